-- Copied verbatim from templates/store/release.lua by rcsdk's generator.
-- Do not edit: change templates/store/release.lua and run `make generate`.
-- rcsdk token store protocol (docs/FLEET.md), loaded byte for byte by Python, Node and PHP.
-- Release the lease, only if it still holds our token: a lease that expired and was taken by
-- another worker is not ours to delete. KEYS[1]: the lock key. ARGV[1]: our token.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
