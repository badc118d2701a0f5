/**
 * How agentloop's storage scales: each section prints one curve. Sections live in
 * bench/scale-*.ts; add one by writing a file that exports an async function printing its
 * figures, and calling it below.
 *
 * - listing: runs.list / runs.page as the number of runs grows (1k, 10k, 100k), on SQLite,
 *   PostgreSQL and Redis; session reads as a session's tree grows.
 * - concurrency: durable runs per second on SQLite with 100 in flight, without and with group commit.
 * - long-run: one durable run of TURNS (default 500) turns: time per turn and bytes per checkpoint.
 * - session: SESSION_RUNS (default 500) durable runs on one session, +4 messages each (SESSION_TOOL_OUTPUT=short: shorter tool answers): database
 *   size against the conversation's.
 *
 * Run: npm run bench:scale   (builds dist/ first). Environment: SCALE_RUNS (default
 * 1000,10000,100000), SCALE_CONCURRENT_RUNS (1000), SCALE_IN_FLIGHT (100), SCALE_SECTIONS (all:
 * list,concurrent,long-run,session), DATABASE_URL, REDIS_URL.
 */
import { concurrentSection } from './scale-concurrent.js'
import { listSection } from './scale-list.js'
import { longRunSection } from './scale-long-run.js'
import { sessionSection } from './scale-session.js'

const sections: Record<string, () => Promise<void>> = {
  list: listSection,
  concurrent: concurrentSection,
  'long-run': longRunSection,
  session: sessionSection,
}

const wanted = (process.env.SCALE_SECTIONS ?? Object.keys(sections).join(',')).split(',')
for (const name of wanted) {
  const section = sections[name]
  if (section === undefined)
    throw new Error(`SCALE_SECTIONS: no section "${name}"; sections: ${Object.keys(sections).join(', ')}`)
  await section()
}
