// Validates the custom resources in a `kubectl kustomize` output against the
// operators' CRD schemas, as kubernetes-models publishes them (pinned in
// package.json). Built-in kinds are kubernetes-validate's (check.sh).
//
//   node validate-resources.mjs <rendered.yaml>...
//
// A custom kind with no published schema fails the check unless it is listed
// in UNPUBLISHED with the reason; so a new operator cannot slip in unchecked.

import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import * as cnpg from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1";
import * as externalSecrets from "@kubernetes-models/external-secrets/external-secrets.io/v1";
import * as generators from "@kubernetes-models/external-secrets/generators.external-secrets.io/v1alpha1";
import * as monitoring from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";

const MODELS = {
  "postgresql.cnpg.io/v1": cnpg,
  "external-secrets.io/v1": externalSecrets,
  "generators.external-secrets.io/v1alpha1": generators,
  "monitoring.coreos.com/v1": monitoring,
};

// Custom kinds whose operators publish no schema package on a registry this
// check can reach; their fields are the operators' documented examples.
const UNPUBLISHED = {
  "rabbitmq.com/v1beta1": "RabbitMQ cluster and messaging topology operators",
};

const BUILT_IN_GROUPS = new Set([
  "v1", "apps/v1", "batch/v1", "policy/v1", "networking.k8s.io/v1", "autoscaling/v2",
  "rbac.authorization.k8s.io/v1",
]);

let failures = 0;
let checked = 0;
const unchecked = new Map();

for (const file of process.argv.slice(2)) {
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (document.errors.length) {
      console.error(`${file}: ${document.errors[0].message}`);
      failures++;
      continue;
    }
    const resource = document.toJS();
    if (!resource) continue;
    const { apiVersion, kind } = resource;
    const name = `${kind}/${resource.metadata?.name}`;
    if (BUILT_IN_GROUPS.has(apiVersion)) continue;
    const models = MODELS[apiVersion];
    if (!models) {
      if (UNPUBLISHED[apiVersion]) {
        unchecked.set(apiVersion, UNPUBLISHED[apiVersion]);
        continue;
      }
      console.error(`${file}: ${name}: no schema for ${apiVersion}; add its models or list it in UNPUBLISHED`);
      failures++;
      continue;
    }
    const Model = models[kind];
    if (!Model) {
      console.error(`${file}: ${name}: ${apiVersion} has no kind ${kind}`);
      failures++;
      continue;
    }
    try {
      new Model(resource).validate();
      checked++;
    } catch (error) {
      console.error(`${file}: ${name}: ${error.message}`);
      failures++;
    }
  }
}

for (const [apiVersion, reason] of unchecked) {
  console.log(`not schema-checked: ${apiVersion} (${reason}: no published schema)`);
}
console.log(`custom resources: ${checked} valid, ${failures} invalid`);
process.exit(failures ? 1 : 0);
