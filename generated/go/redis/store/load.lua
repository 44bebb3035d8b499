-- Copied verbatim from templates/store/load.lua by rcsdk's generator.
-- Do not edit: change templates/store/load.lua and run `make generate`.
-- rcsdk token store protocol (docs/FLEET.md), loaded byte for byte by Python, Node and PHP.
-- Read the tokens. KEYS[1]: the tokens key, a hash of 'auth' (the auth-data JSON exactly as the
-- writer's serializer made it; '' once logged out) and 'generation' (the store's count of writes).
-- Returns {auth, generation}: {'', ''} when the key does not exist (never written, or lost).
local held = redis.call('HMGET', KEYS[1], 'auth', 'generation')
return {held[1] or '', held[2] or ''}
