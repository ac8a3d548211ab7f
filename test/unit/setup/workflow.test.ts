// Answers that cannot go into the rotation workflow (repository, branch, environment, Key Vault, schedule) fail as
// the product's one error type: a UserFailure with the code WorkflowInputInvalid, the cause and the next step, which
// the CLI turns into a usage error and the VS Code command into its message.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveCloud } from '../../../src/cloud/clouds';
import { UserFailure } from '../../../src/errors';
import { githubRotationWorkflow, githubSubject, parseKeyVault, WORKFLOW_INPUT_INVALID, workflowInputFailure, type WorkflowOptions } from '../../../src/setup/workflow';

function failure(run: () => unknown): UserFailure {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof UserFailure, `a UserFailure, not ${String(error)}`);
    return error;
  }
  return assert.fail('it did not fail');
}

describe('workflow input failures', () => {
  it('each refused answer is a UserFailure with the WorkflowInputInvalid code, its cause and a next step', () => {
    const cases: [() => unknown, RegExp, RegExp][] = [
      [() => githubSubject('not a repo', { branch: 'main' }), /"not a repo" is not a GitHub repository: give it as owner\/name\./, /owner\/name/],
      [() => githubSubject('contoso/invoices', { branch: 'main', environment: 'prod' }), /Give --branch or --environment, not both/, /branch or the environment/],
      [() => githubSubject('contoso/invoices', { environment: 'prod env' }), /"prod env" is not an environment name\./, /environment/],
      [() => githubSubject('contoso/invoices', { branch: 'a..b' }), /"a\.\.b" is not a branch name\./, /branch/],
      [() => parseKeyVault('k', 'Contoso Invoices'), /--key-vault takes <vault-name>\[\/<secret-name>\]; "k" is not that/, /^Fix --key-vault\.$/],
      [() => parseKeyVault('kv-contoso/bad_name', 'Contoso Invoices'), /"bad_name" is not a Key Vault secret name/, /^Fix --key-vault\.$/],
    ];
    for (const [run, message, next] of cases) {
      const f = failure(run);
      assert.equal(f.code, WORKFLOW_INPUT_INVALID);
      assert.match(f.message, message);
      assert.match(f.next, next);
      assert.equal(workflowInputFailure(f), f);
    }
  });

  it('a workflow with no place for the secret, or a schedule that is not cron, is refused the same way', () => {
    const options: WorkflowOptions = { connectorName: 'Contoso Invoices', connectorDir: 'connectors/contoso', tenantId: 't', clientId: 'c', cloud: resolveCloud('AzureCloud'), days: 180, schedule: '17 3 * * 1', cliVersion: '1.0.0' };
    const nowhere = failure(() => githubRotationWorkflow(options));
    assert.equal(nowhere.code, WORKFLOW_INPUT_INVALID);
    assert.match(nowhere.message, /needs a place for the new secret/);
    const badCron = failure(() => githubRotationWorkflow({ ...options, handoverCommand: 'true', schedule: 'weekly' }));
    assert.equal(badCron.code, WORKFLOW_INPUT_INVALID);
    assert.match(badCron.message, /"weekly" is not a cron schedule/);
  });

  it('other failures are not taken for workflow input', () => {
    assert.equal(workflowInputFailure(new Error('boom')), undefined);
    assert.equal(workflowInputFailure(new UserFailure({ code: 'Authorization_RequestDenied', message: 'no', next: 'ask' })), undefined);
  });
});
