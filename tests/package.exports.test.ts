/**
 * The library's public surface: every named type that a user meets through an exported class or type
 * (constructor arguments, their nested types, public outputs) is itself exported from the package, so a
 * user can write `const office: KmsOfficeHost = …`. Found with the TypeScript checker over the sources.
 */
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");
const INDEX = path.join(ROOT, "components", "index.ts");
const COMPONENTS = path.join(ROOT, "components") + path.sep;

test("every named type reachable from the public exports is exported", () => {
  const program = ts.createProgram([INDEX], {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    resolveJsonModule: true,
    skipLibCheck: true,
    types: [],
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(INDEX)!)!;
  const exported = new Set(checker.getExportsOfModule(moduleSymbol).map((s) => s.getName()));

  const reached = new Map<string, string>(); // type name -> where it was met
  const seen = new Set<ts.Type>();
  const ours = (d: ts.Declaration) =>
    d.getSourceFile().fileName.startsWith(COMPONENTS.split(path.sep).join("/"));
  const visit = (type: ts.Type, where: string, depth: number): void => {
    if (seen.has(type) || depth > 8) return;
    seen.add(type);
    if (type.isUnionOrIntersection()) return type.types.forEach((t) => visit(t, where, depth + 1));
    const symbol = type.aliasSymbol ?? type.getSymbol();
    const decl = symbol?.declarations?.[0];
    if (
      symbol &&
      decl &&
      ours(decl) &&
      (ts.isInterfaceDeclaration(decl) ||
        ts.isTypeAliasDeclaration(decl) ||
        ts.isEnumDeclaration(decl))
    ) {
      if (!reached.has(symbol.getName())) reached.set(symbol.getName(), where);
    }
    for (const arg of type.aliasTypeArguments ?? []) visit(arg, where, depth + 1);
    if ((type as ts.TypeReference).typeArguments) {
      for (const arg of checker.getTypeArguments(type as ts.TypeReference))
        visit(arg, where, depth + 1);
    }
    if (!symbol || !decl || !ours(decl)) return; // do not walk into Pulumi's or the standard library's types
    for (const prop of type.getProperties()) {
      const pd = prop.valueDeclaration ?? prop.declarations?.[0];
      if (!pd) continue;
      // Members marked @internal, private or protected are not the public surface.
      if (ts.getJSDocTags(pd).some((t) => t.tagName.text === "internal")) continue;
      if (ts.getCombinedModifierFlags(pd) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected))
        continue;
      visit(checker.getTypeOfSymbolAtLocation(prop, pd), `${where}.${prop.getName()}`, depth + 1);
    }
  };
  for (const sym of checker.getExportsOfModule(moduleSymbol)) {
    const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
    const decl = target.declarations?.[0];
    if (!decl) continue;
    if (ts.isClassDeclaration(decl)) {
      const ctorType = checker.getTypeOfSymbolAtLocation(target, decl);
      for (const sig of ctorType.getConstructSignatures()) {
        for (const p of sig.getParameters()) {
          visit(checker.getTypeOfSymbolAtLocation(p, decl), `${sym.getName()}(${p.getName()})`, 0);
        }
      }
      visit(checker.getDeclaredTypeOfSymbol(target), sym.getName(), 0);
    } else if (ts.isInterfaceDeclaration(decl) || ts.isTypeAliasDeclaration(decl)) {
      visit(checker.getDeclaredTypeOfSymbol(target), sym.getName(), 0);
    }
  }
  const missing = [...reached]
    .filter(([name]) => !exported.has(name))
    .map(([n, w]) => `${n} (via ${w})`);
  expect(missing).toEqual([]);
  // The check saw the nested argument types at all.
  expect([...reached.keys()]).toEqual(expect.arrayContaining(["KmsHostDns", "AzureVmTarget"]));
  // The names before 0.2.0 stay exported, as deprecated aliases of the renamed types.
  const deprecated = [
    "AzureVmTargetArgs",
    "SshTargetArgs",
    "KmsOfficeHostArgs",
    "KmsExternalClientsArgs",
    "KmsHostDnsArgs",
    "KmsSrvHostArgs",
  ];
  expect(deprecated.filter((n) => !exported.has(n))).toEqual([]);
});

describe("the published declarations (the build's tsconfig, emitted in memory)", () => {
  // The members marked @internal: what clients and the plugin read from a host, not the user's API.
  const INTERNAL: Record<string, string[]> = {
    "kmsHost/index.d.ts": ["barrier", "scriptStorage", "summaryValue", "clientSteps"],
    "kmsClient/index.d.ts": ["kmsHost", "clientName"],
  };
  // The child resources a user may reference or depend on (awsx's components expose theirs).
  const CHILDREN: Record<string, string[]> = {
    "kmsHost/index.d.ts": [
      "vm?: compute.VirtualMachine",
      "networkInterface?: network.NetworkInterface",
      "networkSecurityGroup?: network.NetworkSecurityGroup",
      "setupStep: pulumi.CustomResource",
      "officeSteps: pulumi.CustomResource[]",
    ],
    "kmsClient/index.d.ts": [
      "setupStep: pulumi.CustomResource",
      "rearmStep?: pulumi.CustomResource",
    ],
  };
  const emitted = new Map<string, string>();

  beforeAll(() => {
    const config = ts.getParsedCommandLineOfConfigFile(
      path.join(ROOT, "tsconfig.build.json"),
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail(String(d.messageText)) },
    )!;
    const program = ts.createProgram([INDEX], {
      ...config.options,
      noEmit: false,
      declaration: true,
      emitDeclarationOnly: true,
      sourceMap: false,
    });
    program.emit(undefined, (file, text) => {
      const rel = path.relative(path.join(config.options.outDir!, "components"), file);
      emitted.set(rel.split(path.sep).join("/"), text);
    });
  }, 120_000);

  test.each(Object.entries(INTERNAL))("%s has no internal member", (file, members) => {
    const text = emitted.get(file)!;
    expect(text).toBeDefined();
    for (const m of members) expect(text).not.toMatch(new RegExp(`\\breadonly ${m}\\b`));
  });

  test.each(Object.entries(CHILDREN))("%s exposes the child resources", (file, members) => {
    const text = emitted.get(file)!;
    for (const m of members) expect(text).toContain(`readonly ${m};`);
  });
});
