-- Copied verbatim from templates/store/save.lua by rcsdk's generator.
-- Do not edit: change templates/store/save.lua and run `make generate`.
-- rcsdk token store protocol (docs/FLEET.md), loaded byte for byte by Python, Node and PHP.
-- Compare-and-set write of the tokens. KEYS[1]: the tokens key.
-- ARGV[1]: the generation the writer expects the store to hold: the one its tokens were
--   refreshed from; '' when the key must not exist (re-seeding a lost key: the first writer
--   wins); '*' for any (a login, a logout, set_auth_data: the user's word replaces anything).
-- ARGV[2]: the auth-data JSON, or '' for a logout (kept as a tombstone, so that "logged out"
--   and "lost" differ: a lost key is re-seeded by the workers, a logout is not).
-- ARGV[3]: the key's time to live in milliseconds.
-- Returns {1, generation, auth} once written, or {0, generation, auth}: what the store holds,
-- for a refused writer to adopt. The new generation is above the old one and never below the
-- store's clock in microseconds, so that a key lost and written again never repeats a generation
-- a paused worker may still hold. Workers never order tokens by their own clocks.
local held = redis.call('HMGET', KEYS[1], 'auth', 'generation')
local generation = held[2] or ''
if ARGV[1] ~= '*' and ARGV[1] ~= generation then
  return {0, generation, held[1] or ''}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local after = string.format('%.0f', math.max((tonumber(generation) or 0) + 1, now))
redis.call('HSET', KEYS[1], 'auth', ARGV[2], 'generation', after)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, after, ARGV[2]}
