import { describe, expect, it } from 'vitest';
import { acceptedTypes, isSubscriptionOperation, streamChoice } from '../../gateway/subscriptions/negotiate.ts';
import { URQL_ACCEPT as URQL } from '../support/clients.ts';

describe('content negotiation', () => {
  it('reads the media types of an Accept header, without parameters, dropping refused ones', () => {
    expect(acceptedTypes('Application/JSON; charset=utf-8, text/event-stream;q=0.5')).toEqual(['application/json', 'text/event-stream']);
    expect(acceptedTypes('text/event-stream;q=0, application/json')).toEqual(['application/json']);
    expect(acceptedTypes(undefined)).toEqual([]);
  });

  it('streams only for a client that accepts nothing but text/event-stream; otherwise it depends on the operation', () => {
    expect(streamChoice('text/event-stream')).toBe('stream');
    expect(streamChoice('text/event-stream; charset=utf-8')).toBe('stream');
    expect(streamChoice(URQL)).toBe('if-subscription');
    expect(streamChoice('text/event-stream, multipart/mixed')).toBe('if-subscription');
    expect(streamChoice('application/json')).toBe('json');
    expect(streamChoice('*/*')).toBe('json');
    expect(streamChoice(undefined)).toBe('json');
  });

  it('tells a subscription from a query by the operation chosen, not by the words in the document', () => {
    expect(isSubscriptionOperation('subscription { equipmentStateChanged { eventId } }', null)).toBe(true);
    expect(isSubscriptionOperation('query subscriptionCount { plants { id } }', null)).toBe(false);
    const two = 'query Q { plants { id } } subscription S { equipmentStateChanged { eventId } }';
    expect(isSubscriptionOperation(two, 'S')).toBe(true);
    expect(isSubscriptionOperation(two, 'Q')).toBe(false);
    expect(isSubscriptionOperation('subscription {', null)).toBe(false);
    expect(isSubscriptionOperation(undefined, null)).toBe(false);
  });
});
