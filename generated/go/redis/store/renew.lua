-- Copied verbatim from templates/store/renew.lua by rcsdk's generator.
-- Do not edit: change templates/store/renew.lua and run `make generate`.
-- rcsdk token store protocol (docs/FLEET.md), loaded byte for byte by Python, Node and PHP.
-- Extend the lease, only while it still holds our token. KEYS[1]: the lock key. ARGV[1]: our
-- token. ARGV[2]: the lease in milliseconds. Returns 1 when renewed, 0 when it is not ours.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
