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

/** Statements of the IAM policies attached to the role whose logical id starts with `rolePrefix`. */
export function roleStatements(template: Template, rolePrefix: string): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
    Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } };
  }[];
  return policies
    .filter((p) => p.Properties.Roles.some((r) => r.Ref.startsWith(rolePrefix)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

/** One state of an Amazon States Language definition (only the fields the tests read are typed). */
export interface AslState {
  Type: string;
  Next?: string;
  End?: boolean;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  ResultPath?: string | null;
  OutputPath?: string | null;
  TimeoutSeconds?: number;
  Retry?: Record<string, unknown>[];
  Catch?: { ErrorEquals: string[]; ResultPath?: string; Next: string }[];
  Branches?: AslGraph[];
  ItemProcessor?: AslGraph & { ProcessorConfig: Record<string, unknown> };
  [field: string]: unknown;
}
export interface AslGraph {
  StartAt: string;
  States: Record<string, AslState>;
  [field: string]: unknown;
}

/**
 * The state machine's definition as JSON. CloudFormation references inside it are rendered as
 * `<Ref:Id>`, `<GetAtt:Id.Attr>` (the same in every string they appear in), so ARNs can be compared.
 */
export function stateMachineDefinition(template: Template): AslGraph {
  const { props } = onlyResource(template, 'AWS::StepFunctions::StateMachine');
  const definition = props.DefinitionString as { 'Fn::Join': [string, unknown[]] } | string;
  if (typeof definition === 'string') return JSON.parse(definition) as AslGraph;
  const [, parts] = definition['Fn::Join'];
  const token = (part: unknown): string => {
    const o = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
    if (o.Ref) return `<Ref:${o.Ref}>`;
    if (o['Fn::GetAtt']) return `<GetAtt:${o['Fn::GetAtt'].join('.')}>`;
    throw new Error(`unexpected token in the definition: ${JSON.stringify(part)}`);
  };
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : token(p))).join('')) as AslGraph;
}

/** Every state of a definition, nested ones (Parallel branches, Map item processors) included. */
export function allStates(graph: AslGraph): [string, AslState][] {
  return Object.entries(graph.States).flatMap(([name, state]) => [
    [name, state] as [string, AslState],
    ...(state.Branches ?? []).flatMap(allStates),
    ...(state.ItemProcessor ? allStates(state.ItemProcessor) : []),
  ]);
}
