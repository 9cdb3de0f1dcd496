/**
 * The plugin's registry of constructed components (components/plugin/registry.ts): a reference resolves in
 * one map read, not a walk over every component constructed before (O(N^2) over a stack of N clients).
 * Counted, not timed: how often a component's URN is read.
 */
import type * as pulumi from "@pulumi/pulumi";
import { ComponentRegistry } from "../components/plugin/registry";

function fakeComponents(
  n: number,
  reads: { count: number },
  prefix = "urn:c",
): pulumi.ComponentResource[] {
  return Array.from({ length: n }, (_, i) => {
    const urn = {
      promise: () => {
        reads.count++;
        return Promise.resolve(`${prefix}${i}`);
      },
    };
    return { urn, tag: `${prefix}${i}` } as unknown as pulumi.ComponentResource;
  });
}

test("N lookups among N components read each URN once (O(1) per lookup)", async () => {
  const reads = { count: 0 };
  const registry = new ComponentRegistry();
  const n = 2000;
  const components = fakeComponents(n, reads);
  for (const c of components) registry.add(c);
  for (let i = 0; i < n; i++) {
    expect(await registry.find(`urn:c${i}`)).toBe(components[i]);
  }
  expect(await registry.find("urn:none")).toBeUndefined();
  // The linear search read URNs (n^2)/2 times: 2,000,000 here.
  expect(reads.count).toBe(n);
});

test("the latest component with a URN wins (a preview, then the update, in one plugin process)", async () => {
  const reads = { count: 0 };
  const registry = new ComponentRegistry();
  const [first] = fakeComponents(1, reads);
  const [second] = fakeComponents(1, reads);
  registry.add(first);
  registry.add(second);
  expect(await registry.find("urn:c0")).toBe(second);
});

test("a lookup made before a component's URN resolved still finds it", async () => {
  const registry = new ComponentRegistry();
  let resolve!: (urn: string) => void;
  const late = {
    urn: { promise: () => new Promise<string>((r) => (resolve = r)) },
  } as unknown as pulumi.ComponentResource;
  registry.add(late);
  const found = registry.find("urn:late");
  resolve("urn:late");
  expect(await found).toBe(late);
});
