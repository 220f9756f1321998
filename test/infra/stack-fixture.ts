import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ClvStack } from '../../lib/clv-stack.js';
import { parseClvConfig } from '../../lib/config.js';

export interface StackFixture {
  readonly app: App;
  readonly stack: ClvStack;
  readonly template: Template;
}

/** Builds the stack from a `clv` context value without bundling (the real bundle is checked after synth). */
export function buildStack(context: unknown = {}): StackFixture {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ClvStack(app, 'ClvTest', { config: parseClvConfig(context) });
  return { app, stack, template: Template.fromStack(stack) };
}

/** The only resource of a type, failing clearly when there are none or several. */
export function onlyResource(
  template: Template,
  type: string,
): { id: string; props: Record<string, unknown> } {
  const found = Object.entries(template.findResources(type));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  const [id, resource] = found[0] as [string, { Properties: Record<string, unknown> }];
  return { id, props: resource.Properties };
}

/** The properties of the resource with this logical id, failing clearly when there is none. */
export function resourceProps(template: Template, logicalId: string): Record<string, unknown> {
  const resource = (template.toJSON().Resources as Record<string, { Properties?: Record<string, unknown> }>)[
    logicalId
  ];
  if (!resource) throw new Error(`no resource ${logicalId}`);
  return resource.Properties ?? {};
}

/** One statement of an IAM policy document in the template. */
export interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
  Condition?: Record<string, unknown>;
}

/** A CloudFormation value that may be one item or a list, as a list. */
export const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
