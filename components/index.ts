/**
 * pulumi-kms-activation: Windows volume activation (KMS) on Azure as Pulumi components.
 *
 * - `KmsHost`: a KMS host VM (or an existing machine) with its host key installed and activated.
 * - `KmsClient`: a Windows machine configured as a KMS client (setup key, KMS target, activation).
 * - `KmsSrvRecord`: the `_vlmcs._tcp` SRV record in an Azure DNS zone (public or private).
 * - `createScriptStorage`: the storage account, container, identity and role for scripts by reference.
 * - `KmsConfigError`: thrown at construction for bad plain input, before anything is created.
 */
export { KmsHost } from "./kmsHost";
export type {
  KmsHostArgs,
  KmsHostDns,
  KmsExternalClients,
  KmsHostStatus,
  KmsOfficeHost,
  // Deprecated names of the three above (renamed before the first release).
  KmsHostDnsArgs,
  KmsExternalClientsArgs,
  KmsOfficeHostArgs,
  KmsOfficeHostStatus,
} from "./kmsHost";
export { KmsClient } from "./kmsClient";
export { WINDOWS_APPLICATION_ID, OFFICE_APPLICATION_ID } from "./scripts";
export type { KmsClientArgs, KmsClientStatus } from "./kmsClient";
export { KmsSrvRecord } from "./kmsSrvRecord";
export type { KmsSrvRecordArgs, KmsSrvHost, KmsSrvHostArgs } from "./kmsSrvRecord";
export type { ActivationReport, DuplicateCmid } from "./barrier";
export type {
  AzureVmTarget,
  AzureVmTargetArgs,
  KmsScriptStorage,
  KmsScriptStorageIdentity,
  SshTarget,
  SshTargetArgs,
} from "./remote";
export { createScriptStorage, STORAGE_BLOB_DATA_READER_ROLE } from "./scriptStorage";
export type { CreateScriptStorageArgs, ScriptStorage } from "./scriptStorage";
export { KmsConfigError } from "pulumi-kms-activation-catalog";
export type {
  KmsHostSummary,
  KmsClientSummary,
  KmsSrvRecordSummary,
  ActivationFamily,
  ExternalClientCounts,
} from "pulumi-kms-activation-catalog";
