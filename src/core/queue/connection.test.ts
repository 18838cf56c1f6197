import { InputError } from '../errors';
import { DEFAULT_QUEUE_NAME, parseQueueTarget, shownUrl } from './connection';

describe('parseQueueTarget', () => {
  it('takes redis:// and rediss:// URLs, with the default queue name', () => {
    expect(parseQueueTarget('redis://127.0.0.1:6379/0', undefined)).toEqual({ url: 'redis://127.0.0.1:6379/0', name: DEFAULT_QUEUE_NAME });
    expect(parseQueueTarget('rediss://:pw@host:6380', 'team-a')).toEqual({ url: 'rediss://:pw@host:6380', name: 'team-a' });
  });

  it.each([
    ['http://:s3cret@host:6379/0', /not a Redis URL/],
    ['not a url', /not a URL/],
    ['redis://:s3cret@host:6379/zero', /database after the port must be a number/],
  ])('refuses %s as bad input, without its password', (url, message) => {
    let error: unknown;
    try {
      parseQueueTarget(url, undefined);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('refuses a queue name Redis keys would mangle', () => {
    expect(() => parseQueueTarget('redis://h:1/0', 'a b')).toThrow(/--queue-name "a b" may hold only/);
  });

  it('shows a URL without its user and password', () => {
    expect(shownUrl('rediss://default:s3cret@host:6380/2')).toBe('rediss://***@host:6380/2');
    expect(shownUrl('redis://host:6379')).toBe('redis://host:6379');
  });
});
