import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * A resource ARN (token or string) the way cdk-nag names it in IAM5 findings (`<Id.Arn>/p/*`), for
 * acknowledging one wildcard resource at a time instead of the whole rule.
 */
export function nagResource(scope: IConstruct, arn: string): string {
  return render(Stack.of(scope).resolve(arn));
}

function render(node: unknown): string {
  if (typeof node === 'string') return node;
  if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (Array.isArray(o['Fn::Join'])) {
      const [delimiter, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(delimiter);
    }
    if (Array.isArray(o['Fn::GetAtt'])) {
      const [resource, attribute] = o['Fn::GetAtt'] as [string, string];
      return `<${resource}.${attribute}>`;
    }
    if (typeof o.Ref === 'string') return `<${o.Ref}>`;
  }
  return JSON.stringify(node);
}
