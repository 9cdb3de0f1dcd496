/**
 * The `transforms` resource option under the SDK's mocks. The engine applies transforms (the SDK only
 * registers each one as a callback and sends its token with the resource), and the mock monitor ignores
 * them. This wraps the mock monitor's RegisterResource to do what the engine does: apply the resource's
 * own transforms, then those of its parent, grandparent and so on, before the resource is registered,
 * by invoking the SDK's own callback server with a TransformRequest, as the engine invokes it. Resource
 * options a transform returns are not applied (only properties).
 */
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import * as callbackproto from "@pulumi/pulumi/proto/callback_pb";

interface CallbackRef {
  getToken(): string;
}
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): unknown;
  setObject(v: unknown): void;
  getTransformsList(): CallbackRef[];
}
interface CallbackServer {
  invoke(
    call: { request: unknown },
    cb: (err: unknown, resp?: { getResponse_asU8(): Uint8Array }) => void,
  ): void;
  shutdown(): void;
}

const settings = require("@pulumi/pulumi/runtime/settings") as {
  getMonitor(): { registerResource(req: unknown, cb: unknown): unknown };
  getCallbacks(): CallbackServer | undefined;
};

async function applyOne(req: RegisterRequest, transform: CallbackRef): Promise<void> {
  const request = new resproto.TransformRequest();
  request.setType(req.getType());
  request.setName(req.getName());
  request.setCustom(req.getCustom());
  request.setParent(req.getParent());
  request.setProperties(req.getObject() as never);
  request.setOptions(new resproto.TransformResourceOptions());
  const invoke = new callbackproto.CallbackInvokeRequest();
  invoke.setToken(transform.getToken());
  invoke.setRequest(request.serializeBinary());
  const server = settings.getCallbacks();
  if (server === undefined) throw new Error("a transform was registered without a callback server");
  const response = await new Promise<{ getResponse_asU8(): Uint8Array }>((resolve, reject) =>
    server.invoke({ request: invoke }, (err, resp) => (err ? reject(err) : resolve(resp!))),
  );
  const result = resproto.TransformResponse.deserializeBinary(response.getResponse_asU8());
  req.setObject(result.getProperties());
}

const state = require("@pulumi/pulumi/runtime/state") as {
  getStore(): { supportsTransforms: boolean };
};

/** Makes the installed mock monitor apply transforms as the engine does; returns a cleanup. */
export function applyTransformsLikeTheEngine(): () => void {
  // setMocks declares the mock engine without transforms (the SDK then refuses the option): this one has them.
  state.getStore().supportsTransforms = true;
  const monitor = settings.getMonitor();
  const original = monitor.registerResource.bind(monitor);
  const chains = new Map<string, CallbackRef[]>();
  monitor.registerResource = (req: RegisterRequest, cb: (err: unknown, resp?: unknown) => void) => {
    const chain = [...req.getTransformsList(), ...(chains.get(req.getParent()) ?? [])];
    void (async () => {
      for (const t of chain) await applyOne(req, t);
    })().then(
      () =>
        original(req, (err: unknown, resp?: { getUrn(): string }) => {
          if (resp) chains.set(resp.getUrn(), chain);
          cb(err, resp);
        }),
      (err) => cb(err),
    );
  };
  return () => settings.getCallbacks()?.shutdown();
}
