-- Copied verbatim from templates/store/acquire.lua by rcsdk's generator.
-- Do not edit: change templates/store/acquire.lua and run `make generate`.
-- rcsdk token store protocol (docs/FLEET.md), loaded byte for byte by Python, Node and PHP.
-- Take the refresh lease. KEYS[1]: the lock key ('<key>:lock'). ARGV[1]: the taker's random
-- token. ARGV[2]: the lease in milliseconds. Returns 1 when taken, 0 when another holds it.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
