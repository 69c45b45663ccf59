// Where a token may go: https anywhere, plain http only to this machine; a host a workspace file chose only once
// the user allowed it (remembered), a refusal only for the session. No vscode: the memory is a Map, the question
// a recorded function.
import * as assert from 'node:assert/strict';
import { HttpClient } from '../../../src/core/http/httpClient';
import { checkTokenHost, isLoopbackHost, tokenHostProblem } from '../../../src/core/http/tokenHost';
import type { TokenHost } from '../../../src/core/http/tokenHost';
import { RememberedConsent } from '../../../src/core/rememberedConsent';
import type { ConsentMemory } from '../../../src/core/rememberedConsent';
import { serviceErrorOf } from '../../support/serviceError';

const MEMORY_KEY = 'test.allowed';

function mapMemory(memory: Map<string, unknown>): ConsentMemory {
  return {
    get: <T>(key: string) => memory.get(key) as T | undefined,
    update: (key, value) => Promise.resolve(void memory.set(key, value)),
  };
}

/** A consent whose answers are scripted and whose questions are recorded. */
function scriptedConsent(answers: boolean[], memory = new Map<string, unknown>()) {
  const questions: string[] = [];
  const consent = new RememberedConsent(mapMemory(memory), MEMORY_KEY, (question) => {
    questions.push(question);
    return Promise.resolve(answers.shift() ?? false);
  });
  return { consent, questions, memory };
}

const enterprise: TokenHost = {
  service: 'GitHub',
  token: 'your GitHub sign-in',
  url: 'https://ghe.example.com/api/v3',
  chosenBy: 'conveyor.yml (ci.github.enterpriseUrl)',
  publicUrl: 'https://api.github.com',
};

describe('token hosts (unit)', () => {
  describe('tokenHostProblem', () => {
    it('lets a token go over https anywhere and over http only to this machine', () => {
      for (const url of [
        'https://ghe.example.com/api/v3',
        'https://10.0.0.5:8443/',
        'http://127.0.0.1:8080/',
        'http://127.45.6.7/',
        'http://127.1:9000/',
        'http://localhost:3000/',
        'http://LOCALHOST/',
        'http://[::1]:8080/',
      ]) {
        assert.equal(tokenHostProblem(url, 'conveyor.yml (x)'), undefined, url);
      }
    });

    it('refuses http to any other machine, names lookalikes of the loopback as the hosts they are, and refuses other schemes', () => {
      for (const url of [
        'http://ghe.example.com/api/v3',
        'http://192.168.1.10:8080/',
        'http://127.0.0.1.evil.example/',
        'http://localhost.evil.example/',
        'http://[::ffff:8.8.8.8]/',
        'ftp://127.0.0.1/',
      ]) {
        const problem = tokenHostProblem(url, 'conveyor.yml (sentry.url)') ?? '';
        assert.ok(problem.startsWith(`conveyor.yml (sentry.url) points at ${new URL(url).origin}:`), `${url}: ${problem}`);
        assert.match(problem, /use an https:\/\/ address$/);
      }
      assert.equal(
        tokenHostProblem('ghe.example.com', 'GITHUB_API_URL'),
        'GITHUB_API_URL is not a URL ("ghe.example.com"): use an https:// address',
      );
    });

    it('knows the loopback by name and by address only', () => {
      assert.deepEqual(
        ['localhost', '127.0.0.1', '127.255.255.254', '::1', '[::1]', '128.0.0.1', '10.0.0.1', 'localhost.example', '::2'].map(
          isLoopbackHost,
        ),
        [true, true, true, true, true, false, false, false, false],
      );
    });
  });

  describe('checkTokenHost', () => {
    it('asks once for a host a workspace file chose, naming the file, the token and the origin, and remembers a yes', async () => {
      const { consent, questions, memory } = scriptedConsent([true]);
      await checkTokenHost(enterprise, consent);
      await checkTokenHost({ ...enterprise, url: 'https://ghe.example.com/api/graphql' }, consent);
      assert.deepEqual(questions, [
        'conveyor.yml (ci.github.enterpriseUrl) asks to send your GitHub sign-in to https://ghe.example.com. Allow it only if you trust that host.',
      ]);
      assert.deepEqual(memory.get(MEMORY_KEY), ['GitHub https://ghe.example.com']);

      // Another session with the same memory: no question.
      const later = scriptedConsent([], memory);
      await checkTokenHost(enterprise, later.consent);
      assert.deepEqual(later.questions, []);
    });

    it("keeps a yes per token and origin: another port or another service's token asks again", async () => {
      const { consent, questions } = scriptedConsent([true, true, true]);
      await checkTokenHost(enterprise, consent);
      await checkTokenHost({ ...enterprise, url: 'https://ghe.example.com:8443/api/v3' }, consent);
      await checkTokenHost({ ...enterprise, service: 'Jira', token: 'your Jira API token' }, consent);
      assert.equal(questions.length, 3);
    });

    it('refuses after a no with a forbidden error that says what to do, without asking again until told to', async () => {
      const { consent, questions, memory } = scriptedConsent([false, false]);
      const refused = await serviceErrorOf(checkTokenHost(enterprise, consent));
      assert.equal(refused.kind, 'forbidden');
      assert.equal(refused.service, 'GitHub');
      assert.equal(
        refused.message,
        'Conveyor did not send your GitHub sign-in to https://ghe.example.com, which conveyor.yml (ci.github.enterpriseUrl) names: sign in again to be asked once more, if you trust that host',
      );
      await serviceErrorOf(checkTokenHost(enterprise, consent));
      assert.equal(questions.length, 1, 'a background refresh does not ask again');
      await serviceErrorOf(checkTokenHost(enterprise, consent, { askAgain: true }));
      assert.equal(questions.length, 2, 'a sign-in asks again');
      consent.forgetRefusals();
      await serviceErrorOf(checkTokenHost(enterprise, consent));
      assert.equal(questions.length, 3);
      assert.equal(memory.get(MEMORY_KEY), undefined, 'a no is never remembered');
    });

    it('asks nothing for a host the user chose, or for the public host whoever names it', async () => {
      const { consent, questions } = scriptedConsent([]);
      await checkTokenHost({ ...enterprise, chosenBy: undefined }, consent);
      await checkTokenHost({ ...enterprise, url: 'https://api.github.com' }, consent);
      assert.deepEqual(questions, []);
    });

    it('refuses plain http to another machine without asking, even where the user chose the host', async () => {
      const { consent, questions } = scriptedConsent([true]);
      const fromYaml = await serviceErrorOf(checkTokenHost({ ...enterprise, url: 'http://ghe.example.com/api/v3' }, consent));
      assert.equal(fromYaml.kind, 'invalid');
      assert.match(fromYaml.message, /^conveyor\.yml \(ci\.github\.enterpriseUrl\) points at http:\/\/ghe\.example\.com:/);
      const fromUser = await serviceErrorOf(
        checkTokenHost({ ...enterprise, chosenBy: undefined, url: 'http://ghe.example.com/' }, consent),
      );
      assert.match(fromUser.message, /^The GitHub URL points at http:\/\/ghe\.example\.com:/);
      assert.deepEqual(questions, []);
    });

    it('asks one question for checks that overlap (the CI view and the board at startup)', async () => {
      let answer: (yes: boolean) => void = () => undefined;
      let asked = 0;
      const consent = new RememberedConsent(mapMemory(new Map()), MEMORY_KEY, () => {
        asked++;
        return new Promise<boolean>((resolve) => (answer = resolve));
      });
      const both = Promise.all([checkTokenHost(enterprise, consent), checkTokenHost(enterprise, consent)]);
      await Promise.resolve();
      answer(true);
      await both;
      assert.equal(asked, 1);
    });
  });

  describe('HttpClient', () => {
    it('never attaches a token to a request over plain http to another machine, whoever built the URL', async () => {
      const fetched: string[] = [];
      const fetchStub = ((url: string) => {
        fetched.push(url);
        return Promise.resolve(new Response('{}'));
      }) as unknown as typeof fetch;
      const client = new HttpClient({
        service: 'Jenkins',
        baseUrl: 'http://ci.example.com/',
        fetch: fetchStub,
        authorization: () => 'Bearer secret',
      });
      const error = await serviceErrorOf(client.send({ url: 'api/json' }), ['secret']);
      assert.equal(error.kind, 'invalid');
      assert.match(error.message, /^The Jenkins URL points at http:\/\/ci\.example\.com:/);
      assert.deepEqual(fetched, []);

      await new HttpClient({ service: 'Jenkins', baseUrl: 'http://ci.example.com/', fetch: fetchStub }).send({ url: 'api/json' });
      assert.deepEqual(fetched, ['http://ci.example.com/api/json'], 'without a token, plain http is allowed');
    });
  });
});
