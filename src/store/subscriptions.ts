// The subscription store's types, where src/chat first imported them from. They live in
// subscriptions/types.ts now; import them from store/index.ts. This file only keeps the old
// import path working until src/chat switches.

/** @deprecated Import from store/index.js. */
export type { StoredSubscription, SubscriptionStore } from './subscriptions/types.js';
