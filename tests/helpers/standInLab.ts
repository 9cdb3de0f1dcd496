/**
 * A stand-in lab for rehearsal tests that states its own conditions (the real lab is tools/lab, tested
 * with pwsh): an Azure VM from a Marketplace image is Licensed by Azure's KMS before any script runs
 * (activatedBy azkms, as tools/lab reports it); a client asks the host its KmsServer names; the host
 * activates clients once it has seen 5 distinct CMIDs, else answers 0xC004F038 and the client keeps the
 * licence it had.
 */
import type {
  LabLike,
  LabMachineSpec,
  LabMachineState,
  LabRunRequest,
} from "../../tools/rehearsal";

export const AZURE_KMS = "azkms.core.windows.net:1688";

interface Machine extends LabMachineState {
  seen: Set<string>;
}

export class StandInLab implements LabLike {
  readonly byName = new Map<string, Machine>();
  readonly addresses = new Map<string, string>();
  hostKey(group: string): string {
    return `LAB-CSVLK(${group})`;
  }
  addMachine(spec: LabMachineSpec): void {
    const licensed = spec.role === "client" && spec.marketplaceImage === true;
    this.byName.set(spec.name, {
      name: spec.name,
      role: spec.role,
      product: spec.os,
      licenseStatus: licensed ? 1 : 5,
      activated: licensed,
      activatedBy: licensed ? AZURE_KMS : null,
      changed: [],
      errorCode: null,
      cmid: spec.cmid,
      seen: new Set(),
    });
  }
  setSrvRecords(): void {}
  setAddress(fqdn: string, machine: string): void {
    this.addresses.set(fqdn.toLowerCase(), machine);
  }
  setConditions(): void {}
  state(name: string): LabMachineState | undefined {
    return this.byName.get(name);
  }
  machines(): LabMachineState[] {
    return [...this.byName.values()];
  }
  close(): void {}
  async run(machine: string, request: LabRunRequest) {
    const params = new Map<string, string>();
    if (request.transport === "runCommand") {
      for (const p of [...request.parameters, ...(request.protectedParameters ?? [])])
        params.set(p.name, p.value);
    }
    const m = this.byName.get(machine)!;
    let result: Record<string, unknown>;
    if (params.has("HostKey") || m.role === "host") {
      m.licenseStatus = 1;
      m.activated = true;
      result = {
        role: "host",
        ok: true,
        isKmsHost: true,
        currentCount: m.seen.size,
        licenseStatus: "Licensed",
        changed: [],
      };
    } else {
      if (params.has("KmsServer")) m.server = params.get("KmsServer");
      const server = String(m.server ?? "");
      const host = this.byName.get(this.addresses.get(server.toLowerCase()) ?? "");
      if (!host) throw new Error(`${machine}: no host at ${server}`);
      host.seen.add(String(m.cmid));
      host.currentCount = host.seen.size;
      const ok = host.seen.size >= 5;
      if (ok) {
        m.licenseStatus = 1;
        m.activated = true;
        m.activatedBy = `${server}:1688`;
      }
      m.errorCode = ok ? null : "0xC004F038";
      result = {
        role: "client",
        ok: true,
        activated: ok,
        pending: !ok,
        errorCode: m.errorCode,
        licenseStatus: m.licenseStatus === 1 ? "Licensed" : "Notification",
        cmid: m.cmid,
        changed: ok ? ["activation"] : [],
      };
    }
    return { exitCode: 0, output: `log\n${JSON.stringify(result)}\n`, error: "" };
  }
}
