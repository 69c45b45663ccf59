// The folder's board for `conveyor ship`, with credentials from the environment as CI keeps them (the editor
// keeps them in SecretStorage instead): JIRA_EMAIL and JIRA_API_TOKEN, LINEAR_API_KEY, NOTION_TOKEN, GITHUB_TOKEN. The user chose
// to hand them over by setting them, so nothing asks; but a token never goes over plain http to another machine.
import { ServiceError } from '../../core/errors';
import { refuseClearTextToken } from '../../core/http/tokenHost';
import { githubBoardRepository, PROVIDER_NAMES } from '../../plan/boardProviders';
import { LocalBoardProvider } from '../../plan/localBoardProvider';
import type { BoardProvider } from '../../plan/workItem';
import type { FolderStatus } from '../folderStatus';

export async function boardFromEnvironment(status: FolderStatus, env: NodeJS.ProcessEnv = process.env): Promise<BoardProvider> {
  const board = status.config.config.board;
  const provider = status.board.provider;
  if (provider === 'local') return new LocalBoardProvider(status.folder, status.board.file);
  const missing = (what: string) =>
    new ServiceError(
      PROVIDER_NAMES[provider],
      'unauthorized',
      `Set ${what} in the environment for conveyor ship to move items on ${PROVIDER_NAMES[provider]}`,
    );
  // The hosted clients load only for a folder whose board is hosted.
  const hosted = await import('../../plan/hostedBoards');
  if (provider === 'jira') {
    const { JIRA_EMAIL: email, JIRA_API_TOKEN: apiToken } = env;
    if (!board?.jira) throw new ServiceError('Jira', 'invalid', 'Set board.jira.site in conveyor.yml');
    if (!email || !apiToken) throw missing('JIRA_EMAIL and JIRA_API_TOKEN');
    refuseClearTextToken('Jira', board.jira.site, 'conveyor.yml (board.jira.site)');
    return new hosted.JiraBoardProvider({ site: board.jira.site, project: board.jira.project, jql: board.jira.jql, email, apiToken });
  }
  if (provider === 'linear') {
    if (!env.LINEAR_API_KEY) throw missing('LINEAR_API_KEY');
    return new hosted.LinearBoardProvider({ apiKey: env.LINEAR_API_KEY, team: board?.linear?.team });
  }
  if (provider === 'notion') {
    if (!board?.notion) throw new ServiceError('Notion', 'invalid', 'Set board.notion.database in conveyor.yml');
    if (!env.NOTION_TOKEN) throw missing('NOTION_TOKEN');
    return new hosted.NotionBoardProvider({ token: env.NOTION_TOKEN, ...board.notion });
  }
  const repository = githubBoardRepository(board, status.git.originUrl);
  if (!repository)
    throw new ServiceError('GitHub', 'invalid', 'Set board.github.owner and repo in conveyor.yml, or add a GitHub origin remote');
  if (!env.GITHUB_TOKEN) throw missing('GITHUB_TOKEN');
  if (env.GITHUB_API_URL) refuseClearTextToken('GitHub', env.GITHUB_API_URL, 'GITHUB_API_URL');
  // GitHub Actions names the API of the server it runs on (GitHub Enterprise Server included).
  const options = { ...repository, token: env.GITHUB_TOKEN, baseUrl: env.GITHUB_API_URL };
  return board?.github?.project
    ? new hosted.GitHubProjectBoardProvider({ ...options, project: board.github.project })
    : new hosted.GitHubIssuesBoardProvider(options);
}
