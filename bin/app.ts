import { App } from 'aws-cdk-lib';
import { ConfigError } from '../lambdas/platform/config.js';
import { ClvStack } from '../lib/clv-stack.js';
import { CONTEXT_KEY, parseClvConfig } from '../lib/config.js';

const app = new App();
try {
  const config = parseClvConfig(app.node.tryGetContext(CONTEXT_KEY));
  new ClvStack(app, config.stackName, {
    config,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
