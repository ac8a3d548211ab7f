// A fresh machine passes with the README's commands alone: missing system packages are installed with apt-get when
// the process is root on Debian/Ubuntu, and otherwise one line names them and the command to run.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isDebianLike, planPrerequisites, type MachineProbes, type PrerequisiteName } from '../../scripts/prerequisites.mjs';

const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nID=debian\n';
const UBUNTU = 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n';
const MINT = 'NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n';
const FEDORA = 'NAME="Fedora Linux"\nID=fedora\n';

function machine(over: Partial<MachineProbes> & { missing?: PrerequisiteName[] } = {}): MachineProbes {
  const missing = new Set(over.missing ?? []);
  return { has: (n) => !missing.has(n), platform: 'linux', uid: 0, osRelease: DEBIAN, hasAptGet: true, ...over };
}

describe('prerequisites of npm test / npm start', () => {
  it('does nothing when everything is there', () => {
    assert.deepEqual(planPrerequisites(['chromium', 'rg'], machine()), { action: 'none', missing: [], packages: [] });
  });

  it('installs the missing Debian packages with apt-get when root on Debian or Ubuntu, saying so in one line', () => {
    for (const osRelease of [DEBIAN, UBUNTU, MINT]) {
      const plan = planPrerequisites(['chromium', 'rg', 'g++', 'make', 'python3'], machine({ osRelease, missing: ['chromium', 'rg', 'g++'] }));
      assert.equal(plan.action, 'install', osRelease);
      assert.deepEqual(plan.packages, ['chromium', 'ripgrep', 'g++']);
      assert.equal(plan.command, 'apt-get install -y --no-install-recommends chromium ripgrep g++');
      assert.match(plan.line, /^Installing chromium, ripgrep, g\+\+ with apt-get/);
      assert.doesNotMatch(plan.line, /\n/);
    }
  });

  it('without root, explains with the sudo command instead of installing', () => {
    const plan = planPrerequisites(['chromium'], machine({ uid: 1000, missing: ['chromium'] }));
    assert.equal(plan.action, 'explain');
    assert.equal(plan.line, 'Missing prerequisite: chromium — sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium, then run the command again.');
  });

  it('elsewhere (another distribution, macOS, no apt-get) names the packages and never runs apt-get', () => {
    for (const env of [machine({ osRelease: FEDORA, missing: ['make'] }), machine({ platform: 'darwin', osRelease: '', missing: ['make'] }), machine({ hasAptGet: false, missing: ['make'] })]) {
      const plan = planPrerequisites(['make'], env);
      assert.equal(plan.action, 'explain');
      assert.equal(plan.line, "Missing prerequisite: make — install make with your system's package manager, then run the command again.");
    }
  });

  it('recognises Debian-like systems from /etc/os-release', () => {
    assert.deepEqual([DEBIAN, UBUNTU, MINT, FEDORA, '', undefined].map((r) => isDebianLike(r)), [true, true, true, false, false, false]);
  });
});
