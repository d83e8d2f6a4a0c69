// A one-stack CDK app whose stack is named after the account the CDK CLI
// resolved from its credentials (CDK_DEFAULT_ACCOUNT), so that `cdk ls`
// shows it. Nothing is deployed.
"use strict";
const cdk = require("aws-cdk-lib");

const app = new cdk.App();
const account = process.env.CDK_DEFAULT_ACCOUNT || "no-account";
const stack = new cdk.Stack(app, "Sesame-" + account, {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
new cdk.CfnOutput(stack, "Account", { value: account });
app.synth();
