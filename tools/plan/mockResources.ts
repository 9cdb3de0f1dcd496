/**
 * The mock state of each resource type this library registers (a NIC's address and MAC, a VM's id, a
 * record set's FQDN, a remote step's script result), and the mock answer to the one call it makes,
 * reading a Run Command's result back. createPlanMocks (mocks.ts) keeps one MockRun per plan run.
 */
import { azureId, azureName, deterministicGuid, hash, unwrapSecrets } from "./mockValues";
import { blobUrl, recordUploadedBlob } from "./scriptDownload";
import type { UploadedBlobs } from "./scriptDownload";

export type MockState = { id: string | undefined; state: Record<string, unknown> };

export interface MockResourceArgs {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  custom?: boolean;
  id?: string;
}
export interface MockCallArgs {
  token: string;
  inputs: Record<string, unknown>;
}

/** What the mocks of one plan run share. */
export interface MockRun {
  /** A private address for a NIC, the same for the same name, unique within the run. */
  ipFor(name: string): string;
  /** The mocked result of the script a remote step runs; undefined when it runs none of ours. */
  scriptOutput(type: string, name: string, plain: Record<string, unknown>): string | undefined;
  /** `${vm}/${runCommandName}` → the step's output (in the lab: its instance view). */
  runCommands: Map<string, unknown>;
  /** Script blobs uploaded in this run, which a Run Command by reference downloads (scriptDownload.ts). */
  blobs: UploadedBlobs;
}

const RUN_COMMAND_TYPE = "azure-native:compute:VirtualMachineRunCommandByVirtualMachine";
export const GET_RUN_COMMAND = "azure-native:compute:getVirtualMachineRunCommandByVirtualMachine";

/** The state of a newly registered resource. */
export function mockState(
  run: MockRun,
  { type, name, inputs, custom }: MockResourceArgs,
): MockState {
  if (custom === false) return { id: undefined, state: inputs };
  const plain = unwrapSecrets(inputs) as Record<string, unknown>;
  const id = type.startsWith("azure-native:") ? azureId(type, name, plain) : `${name}-id`;
  const state: Record<string, unknown> = { ...inputs, name: azureName(type, name, plain) };
  switch (type) {
    case "azure-native:network:NetworkInterface": {
      const configs = Array.isArray(plain.ipConfigurations)
        ? plain.ipConfigurations
        : [{ name: "ipconfig1" }];
      state.ipConfigurations = configs.map((c: Record<string, unknown>, i: number) => ({
        ...c,
        privateIPAddress:
          c.privateIPAddress ?? (i === 0 ? run.ipFor(name) : run.ipFor(`${name}#${i}`)),
        privateIPAllocationMethod: c.privateIPAllocationMethod ?? "Dynamic",
        provisioningState: "Succeeded",
      }));
      state.macAddress = hash(`mac:${name}`)
        .toString("hex")
        .slice(0, 12)
        .toUpperCase()
        .replace(/(..)(?!$)/g, "$1-");
      break;
    }
    case "azure-native:compute:VirtualMachine":
      state.vmId = deterministicGuid(`vm:${id}`);
      state.provisioningState = "Succeeded";
      break;
    case "azure-native:dns:RecordSet":
    case "azure-native:privatedns:PrivateRecordSet": {
      const zone = plain.zoneName ?? plain.privateZoneName;
      state.fqdn = `${plain.relativeRecordSetName ?? name}.${zone}.`;
      state.provisioningState = "Succeeded";
      break;
    }
    case "azure-native:managedidentity:UserAssignedIdentity":
      state.clientId = deterministicGuid(`client:${id}`);
      state.principalId = deterministicGuid(`principal:${id}`);
      state.tenantId = deterministicGuid("tenant");
      break;
    case "azure-native:storage:Blob":
      // The asset's text is read from the raw inputs (unwrapSecrets does not keep an asset's promise).
      recordUploadedBlob(run.blobs, type, inputs);
      state.url = blobUrl(plain);
      break;
    case "azure-native:dns:Zone":
      state.nameServers = ["ns1-01.azure-dns.com.", "ns2-01.azure-dns.net."];
      break;
    case RUN_COMMAND_TYPE: {
      const output = run.scriptOutput(type, name, plain) ?? "";
      run.runCommands.set(`${plain.vmName}/${plain.runCommandName ?? name}`, output);
      state.instanceView = {
        executionState: "Succeeded",
        executionMessage: "",
        exitCode: 0,
        output,
        error: "",
      };
      state.provisioningState = "Succeeded";
      break;
    }
    case "command:remote:Command":
    case "command:local:Command":
      state.stdout = run.scriptOutput(type, name, plain) ?? "";
      state.stderr = "";
      break;
  }
  return { id, state };
}

/** What reading a Run Command back returns, with its instance view. */
export function runCommandRead(
  plain: Record<string, unknown>,
  instanceView: unknown,
): Record<string, unknown> {
  return {
    ...plain,
    id: azureId(RUN_COMMAND_TYPE, String(plain.runCommandName), plain),
    name: plain.runCommandName,
    instanceView,
    provisioningState: "Succeeded",
  };
}

/** The answer to a call: a Run Command read back gives its step's output; any other call its inputs. */
export function mockCall(run: MockRun, { token, inputs }: MockCallArgs): Record<string, unknown> {
  const plain = unwrapSecrets(inputs) as Record<string, unknown>;
  if (token !== GET_RUN_COMMAND) return plain;
  const key = `${plain.vmName}/${plain.runCommandName}`;
  const output =
    run.runCommands.get(key) ??
    run.scriptOutput(RUN_COMMAND_TYPE, String(plain.runCommandName ?? ""), plain) ??
    "";
  return runCommandRead(plain, { executionState: "Succeeded", exitCode: 0, output, error: "" });
}
