/** A remote step as the lab runs it: its digest, and its request with the lab's stand-ins for secrets. */
import { createHash } from "crypto";
import { normalizeHostOs, type KmsHostSummary } from "pulumi-kms-activation-catalog";
import { encodeParameterValue } from "../../components/scripts";
import { commandFailure, runCommandFailure } from "../plan/mocks";
import type { RemoteOutcome, RemoteStep } from "../plan/mocks";
import { DEFAULT_HOST_VERSION, officeVersionName } from "./naming";
import { isPlaceholder } from "./results";
import type { LabLike, LabRunRequest } from "./types";

/** What the engine compares to decide whether a step changed. */
export function stepDigest(step: RemoteStep): string {
  const payload = {
    type: step.type,
    name: step.name,
    vm: step.vm,
    ssh: step.ssh,
    runCommand: step.runCommand,
    command: step.command,
  };
  return createHash("sha256").update(JSON.stringify(payload)).digest("hex");
}

/** The values the lab stands in for placeholders (a secret kms-plan cannot read). */
export function substitutePlaceholders(
  params: { name: string; value: string }[],
  step: RemoteStep,
  summary: KmsHostSummary | undefined,
  lab: LabLike,
): { name: string; value: string }[] {
  const officeVersion = officeVersionName(
    step.runCommand?.parameters.find((p) => p.name === "OfficeVersion")?.value ??
      params.find((p) => p.name === "OfficeVersion")?.value,
  );
  return params.map((p) => {
    if (!isPlaceholder(p.value)) return p;
    if (p.name === "HostKey") {
      const key = officeVersion
        ? lab.officeHostKey?.(officeVersion)
        : lab.hostKey?.(
            summary?.keyGroup ??
              normalizeHostOs(summary?.windowsServerVersion ?? DEFAULT_HOST_VERSION) ??
              "Windows Server 2022",
          );
      return key ? { ...p, value: key } : p;
    }
    if (p.name === "VolumeLicensePack" && officeVersion) {
      const pack = lab.volumeLicensePack?.(officeVersion);
      // Sent as KmsHost sends a pack location: encoded where Run Command would cut it.
      return pack !== undefined ? { ...p, value: encodeParameterValue(pack) } : p;
    }
    return p;
  });
}

/** The step as the lab takes it, placeholders replaced (`summary`: the step's KmsHost, if any). */
export function labRequest(
  step: RemoteStep,
  summary: KmsHostSummary | undefined,
  lab: LabLike,
): LabRunRequest {
  if (step.transport === "runCommand") {
    const rc = step.runCommand!;
    return {
      transport: "runCommand",
      script: rc.script,
      parameters: substitutePlaceholders(rc.parameters, step, summary, lab),
      ...(rc.protectedParameters.length > 0
        ? {
            protectedParameters: substitutePlaceholders(rc.protectedParameters, step, summary, lab),
          }
        : {}),
    };
  }
  let stdin = step.command!.stdin;
  try {
    const doc = JSON.parse(stdin) as { script?: string; parameters?: Record<string, unknown> };
    if (doc.parameters) {
      const list = Object.entries(doc.parameters).map(([name, v]) => ({
        name,
        value: v === null || v === undefined ? "" : String(v),
      }));
      const replaced = substitutePlaceholders(list, step, summary, lab);
      if (replaced.some((p, i) => p.value !== list[i].value)) {
        doc.parameters = Object.fromEntries(replaced.map((p) => [p.name, p.value]));
        stdin = JSON.stringify(doc);
      }
    }
  } catch {
    // not our bootstrap's document: passed as given
  }
  return { transport: "ssh", command: step.command!.create, stdin };
}

/** The error a failed step gives `pulumi up`, as its transport words it. */
export function stepFailure(step: RemoteStep, outcome: RemoteOutcome): Error {
  return step.transport === "runCommand"
    ? runCommandFailure(step.name, step.vm!, outcome)
    : commandFailure(step.name, step.ssh!, outcome);
}
