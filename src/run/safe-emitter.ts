import { EventEmitter } from 'eventemitter3';
import { type BatchwiseError, messageOf } from '../errors.js';
import type { Logger } from '../log/logger.js';

type Listener = (...args: never[]) => void;

/**
 * An EventEmitter whose listeners cannot hurt the run: a listener that throws is logged and the others still run,
 * and nothing a listener does changes a job's outcome. `'error'` events also reach the logger, since
 * eventemitter3 drops events nobody listens to.
 */
export class SafeEmitter<Events extends EventEmitter.ValidEventTypes> extends EventEmitter<Events> {
  /** One guard per listener function, so that `off(event, fn)` finds what `on(event, fn)` registered. */
  private readonly guards = new WeakMap<Listener, Listener>();

  constructor(private readonly emitterLogger: () => Logger) {
    super();
  }

  private guard(fn: Listener, event: unknown): Listener {
    let guarded = this.guards.get(fn);
    if (!guarded) {
      const logger = this.emitterLogger;
      const complain = (error: unknown) =>
        logger().error(`a listener of '${String(event)}' threw; the run goes on: ${messageOf(error)}`);
      guarded = function (this: unknown, ...args: never[]) {
        try {
          const returned: unknown = fn.apply(this, args);
          // An async listener that rejects must not become an unhandled rejection (which ends the process).
          if (returned instanceof Promise) returned.catch(complain);
        } catch (error) {
          complain(error);
        }
      };
      this.guards.set(fn, guarded);
    }
    return guarded;
  }

  override on<T extends EventEmitter.EventNames<Events>>(
    event: T,
    fn: EventEmitter.EventListener<Events, T>,
    context?: unknown,
  ): this {
    return super.on(event, this.guard(fn as Listener, event) as typeof fn, context);
  }

  override addListener<T extends EventEmitter.EventNames<Events>>(
    event: T,
    fn: EventEmitter.EventListener<Events, T>,
    context?: unknown,
  ): this {
    return this.on(event, fn, context);
  }

  override once<T extends EventEmitter.EventNames<Events>>(
    event: T,
    fn: EventEmitter.EventListener<Events, T>,
    context?: unknown,
  ): this {
    return super.once(event, this.guard(fn as Listener, event) as typeof fn, context);
  }

  override off<T extends EventEmitter.EventNames<Events>>(
    event: T,
    fn?: EventEmitter.EventListener<Events, T>,
    context?: unknown,
    once?: boolean,
  ): this {
    const guarded = fn && ((this.guards.get(fn as Listener) ?? fn) as typeof fn);
    return super.off(event, guarded, context, once);
  }

  override removeListener<T extends EventEmitter.EventNames<Events>>(
    event: T,
    fn?: EventEmitter.EventListener<Events, T>,
    context?: unknown,
    once?: boolean,
  ): this {
    return this.off(event, fn, context, once);
  }

  /** Logs the error and tells `'error'` listeners, if any. */
  protected report(error: BatchwiseError): void {
    this.emitterLogger().error(`${error.code}: ${error.message}`);
    (this.emit as unknown as (event: string, error: BatchwiseError) => boolean)('error', error);
  }
}
