import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../lib/constructs/query-api.js';
import { buildStack } from './stack-fixture.js';

/** Every acknowledgement recorded in the tree: construct path, rule id, reason. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged error or warning for the default configuration', () => {
    // Prepare
    const { app } = buildStack();

    // Act
    const report = new AwsSolutionsChecks().validateScope(app);

    // Assess
    const findings = report.violations.map(
      (v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });

  it('reports none with custom prefixes and an alarm e-mail either', () => {
    // Prepare
    const { app } = buildStack({
      alarmEmail: 'ops@example.com',
      settings: { exportsPrefix: 'incoming/', runsPrefix: 'artefacts/' },
    });

    // Act
    const report = new AwsSolutionsChecks().validateScope(app);

    // Assess
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });

  it.each(['iam', 'apiKeyAndIam'])('reports none with api.auth = %s either', (auth) => {
    // Prepare
    const { app } = buildStack({ api: { auth } });

    // Act
    const report = new AwsSolutionsChecks().validateScope(app);

    // Assess
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });

  it('acknowledges the missing authorizer (APIG4) only where a method relies on an API key alone', () => {
    // Act
    const apiKeyOnly = acknowledgements(buildStack().app).filter((a) => a.id.endsWith('AwsSolutions-APIG4'));
    const withIam = acknowledgements(buildStack({ api: { auth: 'iam' } }).app).filter((a) =>
      a.id.endsWith('AwsSolutions-APIG4'),
    );

    // Assess
    expect(apiKeyOnly.length).toBe(API_ROUTES.length);
    expect(apiKeyOnly.every((a) => a.path.endsWith('/GET'))).toBe(true);
    expect(withIam).toEqual([]);
  });

  it('gives every acknowledgement a specific rule finding and a written reason', () => {
    // Prepare
    const { app } = buildStack();

    // Act
    const acks = acknowledgements(app);

    // Assess
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id, ack.path).toMatch(/AwsSolutions-[A-Z]+\d+/);
      expect(ack.reason.trim().length, `${ack.path} ${ack.id}`).toBeGreaterThanOrEqual(20);
    }
    // Wildcards are acknowledged finding by finding, never as a whole rule.
    expect(acks.filter((a) => /AwsSolutions-IAM5$/.test(a.id))).toEqual([]);
  });

  it.each([{}, { api: { auth: 'iam' } }])(
    'acknowledges Resource "*" (IAM5) exactly on the roles granting on "*", for X-Ray and log delivery alone (%o)',
    (context) => {
      // Prepare
      const { app, template } = buildStack(context);
      const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
        Properties: {
          Roles: { Ref: string }[];
          PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] };
        };
      }[];

      // Act
      const starStatements = policies.flatMap((p) =>
        p.Properties.PolicyDocument.Statement.filter((s) => [s.Resource].flat().includes('*')).map((s) => ({
          role: (p.Properties.Roles[0]?.Ref ?? '').replace(/[0-9A-F]{8}$/, ''),
          actions: [s.Action].flat(),
        })),
      );
      const acks = acknowledgements(app).filter((a) => a.id.endsWith('AwsSolutions-IAM5[Resource::*]'));

      // Assess: the construct path ClvTest/QueryApi/Role is the role whose logical id starts QueryApiRole
      expect(acks.map((a) => a.path.split('/').slice(1).join('')).sort()).toEqual(
        [...new Set(starStatements.map((s) => s.role))].sort(),
      );
      // X-Ray everywhere; the CloudWatch Logs delivery calls of state machine logging on its role only.
      const starActions = starStatements.flatMap((s) => s.actions);
      expect(
        starActions.filter(
          (a) =>
            !a.startsWith('xray:') &&
            !/^logs:\w+(LogDelivery|LogDeliveries|ResourcePolicy|ResourcePolicies|LogGroups)$/.test(a),
        ),
      ).toEqual([]);
      const logDelivery = starStatements.filter((s) => s.actions.some((a) => a.startsWith('logs:')));
      expect([...new Set(logDelivery.map((s) => s.role))]).toEqual(['NightlyStateMachineRole']);
      for (const ack of acks) expect(ack.reason, ack.path).toMatch(/X-Ray .*no resource-level permissions/);
    },
  );

  it('does flag a non-compliant resource (the pack is really running)', () => {
    // Prepare
    const app = new App();
    new s3.Bucket(new Stack(app, 'Bare'), 'Open');

    // Act
    const report = new AwsSolutionsChecks().validateScope(app);

    // Assess
    expect(report.violations.map((v) => v.ruleName)).toEqual(
      expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']),
    );
  });
});
