// whoami.cjs: the AWS SDK for JavaScript v3 as a program would use it.
// It finds credentials with the SDK's default Node.js chain
// (fromNodeProviderChain: environment, SSO, ini files, credential_process,
// container, instance metadata), prints which provider of the chain gave
// them ("provider: defaultProvider::fromEnv", ...) and what the SDK
// records about them ("source: CREDENTIALS_ENV_VARS", ...; not every
// provider records something), then the ARN that STS GetCallerIdentity
// answers (AWS_ENDPOINT_URL_STS is honoured).
// With an argument, that profile is used instead of AWS_PROFILE.
//
//	node whoami.cjs [PROFILE]
"use strict";
const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");
const { fromNodeProviderChain } = require("@aws-sdk/credential-providers");

async function main() {
  const profile = process.argv[2];
  // The chain logs each provider it tries; the last one gave the
  // credentials.
  let last = "none";
  const logger = {
    debug: (msg) => {
      const m = /^@aws-sdk\/credential-provider-node - (.*)$/.exec(String(msg));
      if (m) last = m[1];
    },
    info() {}, warn() {}, error() {},
  };
  const provider = fromNodeProviderChain({ logger, ...(profile ? { profile } : {}) });
  const creds = await provider();
  console.log("provider: " + last);
  // The SDK records which providers made the credentials (@aws-sdk/core's
  // CREDENTIALS_* features: CREDENTIALS_ENV_VARS, CREDENTIALS_HTTP,
  // CREDENTIALS_IMDS, CREDENTIALS_PROFILE_PROCESS, CREDENTIALS_SSO, ...).
  console.log("source: " + (Object.keys(creds.$source || {}).sort().join(" ") || "unknown"));
  const sts = new STSClient({ credentials: provider, ...(profile ? { profile } : {}) });
  const out = await sts.send(new GetCallerIdentityCommand({}));
  console.log(out.Arn);
}

main().catch((err) => {
  console.error("whoami.cjs: " + (err && err.name) + ": " + (err && err.message));
  process.exit(1);
});
