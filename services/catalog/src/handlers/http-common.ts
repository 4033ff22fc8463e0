/** Browsing is public and a minute old is fresh enough for a product page or list. */
export const CACHE_HEADERS = { 'cache-control': 'public, max-age=60' };
