import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.ts';
import { projectDue } from '../../subgraphs/mes/due.ts';
import { stateIntervals } from '../../subgraphs/mes/planner-resolvers.ts';
import type { MesJobOrder, MesSegment } from '../../subgraphs/mes/source.ts';
import { demoAnchor } from '../../systems/plant/anchor.ts';

const H = 3_600_000;
const T0 = Date.parse('2026-03-02T06:00:00Z');
const at = (h: number) => new Date(T0 + h * H).toISOString();

function seg(sequence: number, good: number, startedAt: number | null, finishedAt: number | null = null): MesSegment {
  return { sequence, description: '', equipmentId: 'EQ', status: finishedAt !== null ? 'COMPLETED' : startedAt !== null ? 'RUNNING' : 'PENDING', goodQuantity: good, scrapQuantity: 0, startedAt: startedAt === null ? null : at(startedAt), finishedAt: finishedAt === null ? null : at(finishedAt), parameters: [] };
}
function job(quantity: number, segments: MesSegment[], status: MesJobOrder['status'] = 'RUNNING'): MesJobOrder {
  return { id: 'WO', erpOrder: '1', site: '1000', materialCode: 'A', quantity, unit: 'EA', status, plannedStart: null, plannedEnd: null, segments };
}
const plan = { status: 'PARTIALLY_CONFIRMED', plannedStart: at(0), plannedEnd: at(10) };

describe('due status (README "How dueStatus is computed")', () => {
  it('projects from the observed rate over all operations: half the work in 4 h ends at 8 h', () => {
    const d = projectDue(plan, [job(100, [seg(10, 100, 0, 2), seg(20, 0, 2)])], T0 + 4 * H);
    expect(d).toMatchObject({ dueStatus: 'ON_TIME', workDone: 0.5, expectedEnd: T0 + 8 * H });
    expect(projectDue(plan, [job(100, [seg(10, 60, 0), seg(20, 0, null)])], T0 + 4 * H)).toMatchObject({ dueStatus: 'AT_RISK', expectedEnd: T0 + 4 * H / 0.3 });
  });

  it('is LATE past the planned end when not done, and ON_TIME once the ERP or the MES is done', () => {
    expect(projectDue(plan, [job(100, [seg(10, 90, 0)])], T0 + 11 * H).dueStatus).toBe('LATE');
    expect(projectDue({ ...plan, status: 'CONFIRMED' }, [job(100, [seg(10, 10, 0)])], T0 + 11 * H)).toMatchObject({ dueStatus: 'ON_TIME', expectedEnd: null });
    expect(projectDue(plan, [job(100, [seg(10, 100, 0, 12)], 'COMPLETED')], T0 + 13 * H)).toMatchObject({ dueStatus: 'ON_TIME', expectedEnd: T0 + 12 * H });
  });

  it('not started: now or the planned start, plus the planned duration; started without output: first start plus the duration', () => {
    expect(projectDue(plan, [], T0 - 5 * H)).toMatchObject({ dueStatus: 'ON_TIME', expectedEnd: T0 + 10 * H });
    expect(projectDue(plan, [], T0 + 1 * H)).toMatchObject({ dueStatus: 'AT_RISK', expectedEnd: T0 + 11 * H });
    expect(projectDue(plan, [job(100, [seg(10, 0, 0.5)])], T0 + 1 * H)).toMatchObject({ dueStatus: 'AT_RISK', expectedEnd: T0 + 10.5 * H });
  });
});

describe('equipment state intervals', () => {
  const log = [
    { equipmentId: 'EQ', previousState: null, state: 'RUNNING' as const, at: at(0) },
    { equipmentId: 'EQ', previousState: 'RUNNING' as const, state: 'DOWN' as const, at: at(5) },
  ];
  it('cuts intervals to the period; the current state is open-ended', () => {
    expect(stateIntervals(log, T0 + 2 * H, T0 + 8 * H, T0 + 8 * H)).toEqual([
      { state: 'RUNNING', from: at(2), to: at(5), durationSeconds: 3 * 3600 },
      { state: 'DOWN', from: at(5), to: null, durationSeconds: 3 * 3600 },
    ]);
    expect(stateIntervals(log, T0 + 1 * H, T0 + 3 * H, T0 + 8 * H)).toEqual([{ state: 'RUNNING', from: at(1), to: at(3), durationSeconds: 2 * 3600 }]);
  });
});

describe('the demo anchor', () => {
  it('is DEMO_EPOCH when set (ISO or epoch ms), else the current hour; a bad value names the variable', () => {
    expect(loadConfig({ DEMO_EPOCH: '2026-03-02T06:00:00Z' }).demoEpoch).toBe(T0);
    expect(loadConfig({ DEMO_EPOCH: String(T0) }).demoEpoch).toBe(T0);
    expect(() => loadConfig({ DEMO_EPOCH: 'yesterday' })).toThrow(/DEMO_EPOCH/);
    expect(demoAnchor(undefined, T0 + 59 * 60_000)).toBe(T0);
    expect(demoAnchor(T0 + 1, T0 + 2 * H)).toBe(T0 + 1);
  });
});
