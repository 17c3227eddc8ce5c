// Offline schema check of Kubernetes manifests (./setup.sh containers k8s):
// every document of each YAML file against the kubernetes-models schemas of
// its apiVersion/kind.  node validate-k8s.mjs <node_modules dir> <file.yaml>...
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [modules, ...files] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modules), "x.js"));
const yaml = require("js-yaml");
let failed = false;
for (const file of files) {
  for (const doc of yaml.loadAll(readFileSync(file, "utf8"))) {
    if (!doc) continue;
    const [group, version] = doc.apiVersion.includes("/") ? doc.apiVersion.split("/") : ["", doc.apiVersion];
    // The package is ES modules only; its files by path, as its exports map lists them.
    const module = path.join(path.resolve(modules), "kubernetes-models", group, version, `${doc.kind}.js`);
    let Model;
    try {
      Model = (await import(pathToFileURL(module).href))[doc.kind];
      if (!Model) throw new Error(`${module} exports no ${doc.kind}`);
    } catch (e) {
      console.error(`${file}: ${doc.apiVersion} ${doc.kind}: no schema (${e.message})`);
      failed = true;
      continue;
    }
    try {
      new Model(doc).validate();
      checkCapabilities(doc);
      console.log(`${file}: ${doc.apiVersion} ${doc.kind} ${doc.metadata?.name}: valid`);
    } catch (e) {
      console.error(`${file}: ${doc.apiVersion} ${doc.kind} ${doc.metadata?.name}: ${e.message}`);
      failed = true;
    }
  }
}
process.exit(failed ? 1 : 0);

// The schemas accept unknown (say, misspelt) field names, so for pods the
// fields that carry the README's capability set are checked by name:
// BPF4J_EXPECT_CAPS="BPF,PERFMON,NET_ADMIN" for every container.
function checkCapabilities(doc) {
  const want = process.env.BPF4J_EXPECT_CAPS;
  const spec = doc.spec?.template?.spec;
  if (!want || !spec) return;
  for (const c of spec.containers) {
    const sc = c.securityContext ?? {};
    const caps = sc.capabilities ?? {};
    const add = [...(caps.add ?? [])].sort().join(",");
    const problems = [];
    if (add !== want.split(",").sort().join(",")) problems.push(`capabilities.add is [${add}], not [${want}]`);
    if ((caps.drop ?? []).join(",") !== "ALL") problems.push("capabilities.drop is not [ALL]");
    if (sc.privileged !== false) problems.push("privileged is not false");
    if (!sc.seccompProfile) problems.push("no seccompProfile");
    if (problems.length) throw new Error(`container ${c.name}: ${problems.join("; ")}`);
  }
}
