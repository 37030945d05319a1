import { Inject, Injectable } from '@nestjs/common';
import type { ConsoleOverview, ConsoleSettings, RequestDetail, RequestEntry, RequestRow } from '@tokenscope/console-contract';
import { costDayOf } from '@tokenscope/cost';
import { CLOCK, type Clock } from '../clock.js';
import { QUALITY_CONFIG, type QualityConfig } from '../config/quality.config.js';
import { QualityError } from '../quality.errors.js';
import { QUALITY_STORE, type QualityStore } from '../store/quality-store.js';
import { QualityReportService } from '../window/quality-report.service.js';
import { ConsoleRedisReader } from './console-redis-reader.js';
import { overviewOf } from './overview.js';
import { matcherOf, type RequestFilter } from './request-filter.js';
import { REQUEST_LOG, type RequestLog } from './request-log.js';

/** The overview covers the last 15 minutes, in 30-second buckets for the charts. */
export const OVERVIEW_WINDOW_SECONDS = 900;
export const OVERVIEW_BUCKET_SECONDS = 30;
/** Every open console polls; one replica answers them all from one read per second. */
const OVERVIEW_CACHE_MS = 1000;
const TOP_SPENDERS_SHOWN = 5;

@Injectable()
export class ConsoleService {
  private cached: { atMs: number; overview: Promise<ConsoleOverview> } | undefined;

  constructor(
    @Inject(REQUEST_LOG) private readonly log: RequestLog,
    @Inject(QUALITY_STORE) private readonly store: QualityStore,
    private readonly reader: ConsoleRedisReader,
    private readonly reports: QualityReportService,
    @Inject(QUALITY_CONFIG) private readonly config: QualityConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  settings(): Omit<ConsoleSettings, 'caller'> {
    return {
      windowSeconds: OVERVIEW_WINDOW_SECONDS,
      isContentShown: this.config.LOG_PROMPTS,
      kept: { entries: this.config.CONSOLE_REQUESTS_LIMIT, bytes: this.config.CONSOLE_REQUESTS_MAX_BYTES, maxAgeSeconds: this.config.CONSOLE_REQUESTS_MAX_AGE_SECONDS },
    };
  }

  overview(): Promise<ConsoleOverview> {
    const now = this.clock.now();
    if (!this.cached || now - this.cached.atMs >= OVERVIEW_CACHE_MS) {
      const overview = this.readOverview(now);
      // a failed read is not kept: the next poll tries again
      overview.catch(() => (this.cached = undefined));
      this.cached = { atMs: now, overview };
    }
    return this.cached.overview;
  }

  async requests(filter: RequestFilter, limit: number): Promise<RequestRow[]> {
    const entries = await this.log.newest({ sinceMs: 0, limit, accept: matcherOf(filter) });
    const votes = await this.log.votesOf(entries.map((e) => e.id));
    return entries.map((entry, i) => ({ ...this.shown(entry), vote: votes[i] ?? null }));
  }

  async request(requestId: string): Promise<RequestDetail> {
    const entry = await this.log.get(requestId);
    if (!entry) throw new QualityError('REQUEST_NOT_FOUND', 'request_id: not among the requests the console keeps');
    const [vote] = await this.log.votesOf([requestId]);
    return {
      ...this.shown(entry),
      vote: vote ?? null,
      traceUrl: entry.traceId ? this.config.CONSOLE_TRACE_URL_TEMPLATE.replaceAll('{traceId}', entry.traceId) : null,
      logQuery: this.config.CONSOLE_LOG_QUERY_TEMPLATE.replaceAll('{requestId}', entry.gatewayRequestId),
    };
  }

  /** LOG_PROMPTS is read when showing as well as when keeping: turning it off hides what was kept. */
  private shown(entry: RequestEntry): RequestEntry {
    if (this.config.LOG_PROMPTS || entry.output === undefined) return entry;
    const { output: _hidden, ...rest } = entry;
    return rest;
  }

  private async readOverview(now: number): Promise<ConsoleOverview> {
    const day = costDayOf(now, this.config.COST_TIMEZONE);
    const budget = this.config.DAILY_BUDGET_USD;
    const [entries, snapshot, topUsersToday, quality, gpus] = await Promise.all([
      this.log.newest({ sinceMs: now - OVERVIEW_WINDOW_SECONDS * 1000, limit: this.config.CONSOLE_REQUESTS_LIMIT }),
      this.store.snapshot(day, 0, budget),
      this.reader.topSpendersOn(day, TOP_SPENDERS_SHOWN),
      this.reports.report(),
      this.reader.gpus(),
    ]);
    return {
      generatedAtMs: now,
      ...overviewOf(entries, now, OVERVIEW_WINDOW_SECONDS, OVERVIEW_BUCKET_SECONDS),
      cost: {
        day,
        timeZone: this.config.COST_TIMEZONE,
        todayUsd: snapshot.dailySpendUsd,
        dailyBudgetUsd: budget ?? null,
        usersAtBudget: snapshot.usersAtBudget ?? null,
        topUsersToday,
      },
      quality,
      gpus,
    };
  }
}
