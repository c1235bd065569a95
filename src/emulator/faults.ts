import type { FaultKind, FaultRule } from './options.js';
import { seededRandom } from './random.js';

/** Decides, per call, whether a fault rule fires. Rules with `times` are used up. */
export class FaultPlan {
  private readonly rules: FaultRule[];
  private readonly random: () => number;

  constructor(rules: FaultRule[], seed: number) {
    this.rules = rules.map(checked);
    this.random = seededRandom(seed);
  }

  add(rule: FaultRule): void {
    this.rules.push(checked(rule));
  }

  clear(): void {
    this.rules.length = 0;
  }

  /** The rule that fires for this route, if any. */
  pick(routeKey: string): FaultRule | undefined {
    for (const [index, rule] of this.rules.entries()) {
      if (rule.route && rule.route !== '*' && rule.route !== routeKey) continue;
      if (this.random() >= (rule.share ?? 1)) continue;
      if (rule.times !== undefined) {
        rule.times--;
        if (rule.times <= 0) this.rules.splice(index, 1);
      }
      return rule;
    }
    return undefined;
  }
}

const KINDS: readonly FaultKind[] = ['status', 'reset', 'truncate', 'lost', 'status-after', 'late'];

function checked(rule: FaultRule): FaultRule {
  if (rule.kind !== undefined && !KINDS.includes(rule.kind)) {
    throw new TypeError(
      `Expected fault \`kind\` to be one of ${KINDS.join(', ')}, got \`${String(rule.kind)}\``,
    );
  }
  return { ...rule };
}
