import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AlertHistoryRepository } from '../alerts/alert-history.repository';
import { Decision, RulePhase, StoredRuleState } from './alert-rule-machine';
import { PendingRuleAction } from './alert-rule-state.entity';

export interface RulePair {
  ruleId: string;
  instrumentId: string;
}

export function pairKey(ruleId: string, instrumentId: string): string {
  return `${ruleId}|${instrumentId}`;
}

/** Actions a rule still owes the alerts service for one instrument, with what performing them needs. */
export interface OwedActions {
  ruleId: string;
  instrumentId: string;
  workspaceId: string;
  ruleName: string;
  alertKey: string;
  priority: number | null;
  actions: PendingRuleAction[];
}

interface StateRow {
  ruleId: string;
  instrumentId: string;
  phase: RulePhase;
  since: Date | null;
  firingSince: Date | null;
  lastAt: Date | null;
  alerted: boolean;
}

const ms = (d: Date | null): number | null => (d ? new Date(d).getTime() : null);
const iso = (n: number | null): string | null => (n === null ? null : new Date(n).toISOString());

function stored(row: StateRow): StoredRuleState {
  return {
    state: { phase: row.phase, since: ms(row.since), firingSince: ms(row.firingSince), lastAt: ms(row.lastAt) },
    alerted: row.alerted,
  };
}

const STATE_COLUMNS = `s.rule_id AS "ruleId", s.instrument_id AS "instrumentId", s.phase, s.since,
  s.firing_since AS "firingSince", s.last_at AS "lastAt", s.alerted`;

const OWED_COLUMNS = `s.rule_id AS "ruleId", s.instrument_id AS "instrumentId", s.workspace_id AS "workspaceId",
  r.name AS "ruleName", r.alert_key AS "alertKey", r.priority, s.pending_actions AS actions`;

/**
 * `alert_rule_states`, read and written a batch at a time (never per reading). Pairs without a row are
 * idle. Writes lock the rows they change, in (rule, instrument) order, and recompute from the locked
 * state, so concurrent batches of one instrument on several workers apply one after the other and a
 * transition happens once. Alert actions are appended to the row's outbox in the same transaction;
 * the caller performs them after the commit and removes them (acknowledge), and the sweep performs
 * whatever a dead worker left behind. A firing suppressed because the instrument is in maintenance or
 * retired raises no alert: it is counted on the row and written to the alert history (action
 * `suppressed`, no alert, the rule as actor) in the same transaction.
 */
@Injectable()
export class AlertRuleStateRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly history: AlertHistoryRepository,
  ) {}

  /** The stored states of these pairs (no lock): one query. */
  async find(pairs: RulePair[]): Promise<Map<string, StoredRuleState>> {
    const rows: StateRow[] = await this.dataSource.query(
      `SELECT ${STATE_COLUMNS}
         FROM unnest($1::uuid[], $2::uuid[]) p(rule_id, instrument_id)
         JOIN alert_rule_states s USING (rule_id, instrument_id)`,
      [pairs.map((p) => p.ruleId), pairs.map((p) => p.instrumentId)],
    );
    return new Map(rows.map((r) => [pairKey(r.ruleId, r.instrumentId), stored(r)]));
  }

  /**
   * In one transaction: locks the pairs' rows (creating idle ones), lets `decide` compute each pair's
   * decision from the locked state and the instrument's current status, writes what changed with the
   * owed actions, and returns the pairs that owe actions now.
   */
  async transition(
    pairs: RulePair[],
    decide: (pair: RulePair, before: StoredRuleState, instrumentStatus: string) => Decision,
  ): Promise<OwedActions[]> {
    const sorted = [...pairs].sort((a, b) =>
      a.ruleId === b.ruleId ? (a.instrumentId < b.instrumentId ? -1 : 1) : a.ruleId < b.ruleId ? -1 : 1,
    );
    const ruleIds = sorted.map((p) => p.ruleId);
    const instrumentIds = sorted.map((p) => p.instrumentId);
    return this.dataSource.transaction(async (em) => {
      // Rows for pairs that have none yet (rules or instruments deleted meanwhile are skipped).
      await em.query(
        `INSERT INTO alert_rule_states (rule_id, instrument_id, workspace_id)
         SELECT p.rule_id, p.instrument_id, r.workspace_id
           FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY p(rule_id, instrument_id, n)
           JOIN alert_rules r ON r.id = p.rule_id
           JOIN instruments i ON i.id = p.instrument_id AND i.workspace_id = r.workspace_id
          ORDER BY p.n
         ON CONFLICT DO NOTHING`,
        [ruleIds, instrumentIds],
      );
      const locked: Array<StateRow & { status: string; workspaceId: string; alertKey: string; ruleName: string }> =
        await em.query(
          `SELECT ${STATE_COLUMNS}, i.status, s.workspace_id AS "workspaceId", r.alert_key AS "alertKey",
                  r.name AS "ruleName"
           FROM alert_rule_states s
           JOIN unnest($1::uuid[], $2::uuid[]) p(rule_id, instrument_id) USING (rule_id, instrument_id)
           JOIN instruments i ON i.id = s.instrument_id
           JOIN alert_rules r ON r.id = s.rule_id
          ORDER BY s.rule_id, s.instrument_id
            FOR UPDATE OF s`,
          [ruleIds, instrumentIds],
        );
      const updates: Array<{ pair: RulePair; decision: Decision }> = [];
      for (const row of locked) {
        const pair = { ruleId: row.ruleId, instrumentId: row.instrumentId };
        const decision = decide(pair, stored(row), row.status);
        if (decision.changed) updates.push({ pair, decision });
        for (const a of decision.actions) {
          if (a.action !== 'suppress') continue;
          const value = a.value === undefined ? '' : ` (value ${a.value})`;
          await this.history.insert(
            row.workspaceId,
            {
              alertId: null,
              key: row.alertKey,
              instrumentId: row.instrumentId,
              action: 'suppressed',
              state: null,
              priority: null,
              note: `rule "${row.ruleName}" fired${value} while the instrument was ${row.status}: no alert raised`,
              actorKind: 'rule',
              actorId: row.ruleId,
            },
            em,
          );
        }
      }
      if (!updates.length) return [];
      const owed: OwedActions[] = await em.query(
        `WITH u AS (
           SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::timestamptz[],
                                $6::timestamptz[], $7::boolean[], $8::jsonb[], $9::int[])
             AS u(rule_id, instrument_id, phase, since, firing_since, last_at, alerted, actions, suppressed)),
         changed AS (
           UPDATE alert_rule_states s SET
             phase = u.phase, since = u.since, firing_since = u.firing_since, last_at = u.last_at,
             alerted = u.alerted,
             pending_actions = s.pending_actions || u.actions,
             actions_since = CASE WHEN jsonb_array_length(u.actions) > 0 THEN now() ELSE s.actions_since END,
             suppressed_at = CASE WHEN u.suppressed > 0 THEN now() ELSE s.suppressed_at END,
             suppressed_count = s.suppressed_count + u.suppressed,
             updated_at = now()
             FROM u WHERE s.rule_id = u.rule_id AND s.instrument_id = u.instrument_id
           RETURNING s.*)
         SELECT ${OWED_COLUMNS} FROM changed s JOIN alert_rules r ON r.id = s.rule_id
          WHERE jsonb_array_length(s.pending_actions) > 0`,
        [
          updates.map((u) => u.pair.ruleId),
          updates.map((u) => u.pair.instrumentId),
          updates.map((u) => u.decision.state.phase),
          updates.map((u) => iso(u.decision.state.since)),
          updates.map((u) => iso(u.decision.state.firingSince)),
          updates.map((u) => iso(u.decision.state.lastAt)),
          updates.map((u) => u.decision.alerted),
          // Suppressed firings are recorded on the row itself (suppressed_at, suppressed_count), not owed.
          updates.map((u) => JSON.stringify(u.decision.actions.filter((a) => a.action !== 'suppress'))),
          updates.map((u) => u.decision.actions.filter((a) => a.action === 'suppress').length),
        ],
      );
      return owed;
    });
  }

  /**
   * Claims the outboxes of these pairs that hold actions and no other performer holds, for
   * `leaseSeconds` (a performer that dies releases them by expiry).
   */
  async claim(pairs: RulePair[], leaseSeconds: number): Promise<OwedActions[]> {
    // An UPDATE … RETURNING answers [rows, count] through TypeORM.
    const [rows]: [OwedActions[], number] = await this.dataSource.query(
      `UPDATE alert_rule_states s SET claimed_until = now() + make_interval(secs => $3)
         FROM alert_rules r, unnest($1::uuid[], $2::uuid[]) p(rule_id, instrument_id)
        WHERE r.id = s.rule_id AND s.rule_id = p.rule_id AND s.instrument_id = p.instrument_id
          AND jsonb_array_length(s.pending_actions) > 0 AND (s.claimed_until IS NULL OR s.claimed_until < now())
       RETURNING ${OWED_COLUMNS}`,
      [pairs.map((p) => p.ruleId), pairs.map((p) => p.instrumentId), leaseSeconds],
    );
    return rows;
  }

  /** Outboxes left behind (a worker died, or its perform job was lost) for `olderThanSeconds`: claimed. */
  async claimStale(olderThanSeconds: number, leaseSeconds: number, limit: number): Promise<OwedActions[]> {
    const [rows]: [OwedActions[], number] = await this.dataSource.query(
      `UPDATE alert_rule_states s SET claimed_until = now() + make_interval(secs => $2)
         FROM alert_rules r
        WHERE r.id = s.rule_id AND (s.rule_id, s.instrument_id) IN (
                SELECT rule_id, instrument_id FROM alert_rule_states
                 WHERE actions_since < now() - make_interval(secs => $1) AND jsonb_array_length(pending_actions) > 0
                   AND (claimed_until IS NULL OR claimed_until < now())
                 ORDER BY actions_since LIMIT $3)
       RETURNING ${OWED_COLUMNS}`,
      [olderThanSeconds, leaseSeconds, limit],
    );
    return rows;
  }

  /**
   * Removes the first `count` actions of each claimed outbox (actions appended since stay) and
   * releases the claim.
   */
  async acknowledge(done: Array<RulePair & { count: number }>): Promise<void> {
    if (!done.length) return;
    await this.dataSource.query(
      `UPDATE alert_rule_states s SET
         pending_actions = COALESCE((SELECT jsonb_agg(e ORDER BY n) FROM jsonb_array_elements(s.pending_actions)
                                     WITH ORDINALITY x(e, n) WHERE n > d.count), '[]'::jsonb),
         actions_since = CASE WHEN jsonb_array_length(s.pending_actions) > d.count THEN s.actions_since END,
         claimed_until = NULL
         FROM unnest($1::uuid[], $2::uuid[], $3::int[]) d(rule_id, instrument_id, count)
        WHERE s.rule_id = d.rule_id AND s.instrument_id = d.instrument_id`,
      [done.map((d) => d.ruleId), done.map((d) => d.instrumentId), done.map((d) => d.count)],
    );
  }
}
