import type { BatchOptions } from '../batch.js';
import { ConfigurationError } from '../errors.js';
import {
  booleanOption,
  nonEmptyString,
  nonNegativeNumber,
  pathOption,
  plainObject,
  positiveInteger,
  refuse,
  wholeNumber,
} from './check-values.js';
import { describeSecret, describeValue } from './describe-value.js';
import {
  ANTHROPIC_OPTION_KEYS,
  BATCH_OPTION_KEYS,
  LIMITS_KEYS,
  OPENAI_OPTION_KEYS,
  type OptionKeys,
  POLL_OPTION_KEYS,
  PRICE_KEYS,
  RETRY_OPTION_KEYS,
} from './option-keys.js';
import { refuseUnknownKeys } from './unknown-keys.js';

/**
 * Checks every option of `new Batch()` at runtime, before anything else happens: unknown keys, empty paths, numbers
 * that are strings, NaN, infinite or negative. An option set to `undefined` counts as not given.
 */
export function checkBatchOptions(input: unknown): BatchOptions {
  // `new Batch(process.env.OPENAI_API_KEY)` must not put the key in the error.
  const options = plainObject('options of new Batch()', input ?? {}, describeSecret);
  refuseUnknownKeys('new Batch()', options, BATCH_OPTION_KEYS);
  const given = (key: string) => options[key] !== undefined;
  for (const key of ['resultsDir', 'stateFile']) if (given(key)) pathOption(key, options[key]);
  for (const key of ['maxConcurrent', 'itemsPerBatch']) if (given(key)) positiveInteger(key, options[key]);
  for (const key of ['saveRawResponses', 'reuseState']) if (given(key)) booleanOption(key, options[key]);
  if (given('maxRetries')) retries('maxRetries', options.maxRetries);
  if (given('anthropic')) checkClient('anthropic', options.anthropic, ANTHROPIC_OPTION_KEYS);
  if (given('openai')) checkClient('openai', options.openai, OPENAI_OPTION_KEYS);
  if (given('poll')) checkPoll(options.poll);
  if (given('retry')) checkRetry(options.retry);
  if (given('prices')) checkPrices(options.prices);
  if (given('enqueuedTokenLimit')) {
    const limits = plainObject('enqueuedTokenLimit', options.enqueuedTokenLimit);
    for (const [model, limit] of Object.entries(limits))
      positiveInteger(`enqueuedTokenLimit['${model}']`, limit);
  }
  return options as BatchOptions;
}

function checkClient(name: string, value: unknown, keys: OptionKeys): void {
  // A string here is most likely the key itself (`openai: process.env.OPENAI_API_KEY`): never shown.
  if (typeof value === 'string') {
    throw new ConfigurationError(
      'invalid_option',
      `Expected \`${name}\` to be an object, got ${describeSecret(value)}. Pass a key as \`${name}: { apiKey }\`.`,
    );
  }
  const client = plainObject(name, value, describeSecret);
  refuseUnknownKeys(name, client, keys);
  // The key itself is never shown: a wrong value is described by its type only.
  if (client.apiKey !== undefined && (typeof client.apiKey !== 'string' || client.apiKey.trim() === '')) {
    refuse('invalid_option', `${name}.apiKey`, 'a non-empty string', client.apiKey, describeSecret);
  }
  if (client.baseURL !== undefined) {
    const url = nonEmptyString(`${name}.baseURL`, client.baseURL);
    // Not shown as given: a key pasted here, or in the URL's user info, would be in the message.
    if (!isHttpUrl(url))
      refuse(
        'invalid_option',
        `${name}.baseURL`,
        'an absolute URL (http://… or https://…)',
        url,
        describeUrl,
      );
    const { username, password } = new URL(url);
    if (username !== '' || password !== '') {
      throw new ConfigurationError(
        'invalid_option',
        `\`${name}.baseURL\` holds a user name or password (${describeUrl(url)}): fetch refuses such a URL, and a ` +
          `key there would show wherever the URL does. Pass the key as \`${name}.apiKey\`, and the URL without it.`,
      );
    }
  }
  if (client.maxRetries !== undefined) retries(`${name}.maxRetries`, client.maxRetries);
  if (client.deleteInputFile !== undefined) booleanOption(`${name}.deleteInputFile`, client.deleteInputFile);
  if (client.limits !== undefined) {
    const limits = plainObject(`${name}.limits`, client.limits, describeSecret);
    refuseUnknownKeys(`${name}.limits`, limits, LIMITS_KEYS);
    for (const key of Object.keys(LIMITS_KEYS)) {
      if (limits[key] !== undefined) positiveInteger(`${name}.limits.${key}`, limits[key]);
    }
  }
}

/**
 * The shortest poll interval and retry delay. Each is an HTTP request to the provider: below this a poll loop is a
 * busy loop against the rate limit (`initialMs: 0.01` made 1,747 polls in 3 s). 10 ms still lets tests run fast
 * against the emulator (the bench polls every 100 ms); against a real provider the defaults (2 s growing to 60 s)
 * are what to use, a batch taking minutes to hours.
 */
export const MIN_INTERVAL_MS = 10;
/**
 * The longest poll interval and retry delay, an hour: longer, an ended batch's paid-for results (or a call that
 * failed) wait for hours with nothing to show for it, and past about 24.8 days a plain timer fires at once.
 */
export const MAX_INTERVAL_MS = 3_600_000;
/**
 * The most attempts of a submit or download: more only adds load on a provider that keeps failing, and a call
 * failing 20 times in a row (over ten minutes at the default delays) will not be helped by more.
 */
export const MAX_RETRY_ATTEMPTS = 20;

/**
 * Retries of one thing (an SDK call, an expired batch's resubmission): 0 to {@link MAX_RETRY_ATTEMPTS}, like
 * `retry.attempts`; `1e9` would keep retrying a call that keeps failing for as long as the process lives.
 */
function retries(name: string, value: unknown): number {
  const count = wholeNumber(name, value);
  if (count > MAX_RETRY_ATTEMPTS) {
    refuse('invalid_option', name, `a whole number from 0 to ${MAX_RETRY_ATTEMPTS}`, value);
  }
  return count;
}

function interval(name: string, value: unknown): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < MIN_INTERVAL_MS ||
    value > MAX_INTERVAL_MS
  ) {
    refuse(
      'invalid_option',
      name,
      `a number of milliseconds from ${MIN_INTERVAL_MS} to ${MAX_INTERVAL_MS} (shorter makes a busy loop of requests to the provider; longer leaves results waiting for hours)`,
      value,
    );
  }
  return value;
}

/** A poll interval of 0 would poll in a tight loop; a factor below 1 would poll ever faster. */
function checkPoll(value: unknown): void {
  const poll = plainObject('poll', value);
  refuseUnknownKeys('poll', poll, POLL_OPTION_KEYS);
  const initial = poll.initialMs === undefined ? undefined : interval('poll.initialMs', poll.initialMs);
  const max = poll.maxMs === undefined ? undefined : interval('poll.maxMs', poll.maxMs);
  if (initial !== undefined && max !== undefined && max < initial) {
    refuse('invalid_option', 'poll.maxMs', `at least poll.initialMs (${initial})`, max);
  }
  if (poll.factor !== undefined) {
    const factor = poll.factor;
    if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1) {
      refuse('invalid_option', 'poll.factor', 'a finite number from 1 up', factor);
    }
  }
}

/** A NaN, infinite or huge attempt count would retry (all but) forever; a delay of 0 retries in a busy loop. */
function checkRetry(value: unknown): void {
  const retry = plainObject('retry', value);
  refuseUnknownKeys('retry', retry, RETRY_OPTION_KEYS);
  const { attempts } = retry;
  if (
    attempts !== undefined &&
    (typeof attempts !== 'number' ||
      !Number.isInteger(attempts) ||
      attempts < 1 ||
      attempts > MAX_RETRY_ATTEMPTS)
  ) {
    refuse(
      'invalid_option',
      'retry.attempts',
      `a whole number from 1 to ${MAX_RETRY_ATTEMPTS} (1: no retry)`,
      attempts,
    );
  }
  if (retry.initialDelayMs !== undefined) interval('retry.initialDelayMs', retry.initialDelayMs);
  if (retry.maxDelayMs !== undefined) interval('retry.maxDelayMs', retry.maxDelayMs);
}

/** A negative or NaN price would make a cost limit meaningless (a negative cost never reaches it). */
function checkPrices(value: unknown): void {
  const prices = plainObject('prices', value);
  for (const [model, entry] of Object.entries(prices)) {
    const price = plainObject(`prices['${model}']`, entry);
    refuseUnknownKeys(`prices['${model}']`, price, PRICE_KEYS);
    for (const key of ['inputPerMTok', 'outputPerMTok']) {
      if (price[key] === undefined)
        refuse('invalid_option', `prices['${model}'].${key}`, 'a price in USD per million tokens', undefined);
    }
    for (const key of Object.keys(PRICE_KEYS)) {
      if (price[key] !== undefined) nonNegativeNumber(`prices['${model}'].${key}`, price[key]);
    }
  }
}

/** A URL as it may be shown: its scheme and host only, never its user info, path or query. */
function describeUrl(value: unknown): string {
  if (typeof value !== 'string') return describeSecret(value);
  try {
    const { protocol, host } = new URL(value);
    if (host !== '') return `a URL of ${protocol}//${host} (the rest not shown)`;
    // `localhost:4000`, a host without a scheme, parses with none: shown, as it holds no user info.
    return value.includes('@') ? describeSecret(value) : describeValue(value);
  } catch {
    return describeSecret(value);
  }
}

function isHttpUrl(text: string): boolean {
  try {
    return /^https?:$/.test(new URL(text).protocol);
  } catch {
    return false;
  }
}
