"""The store target: the token store protocol (templates/store/), shipped in every package.

What crosses process and language boundaries when workers share tokens through Redis (the key
layout, the lease and the compare-and-set save) is written once, as Lua scripts, and copied byte
for byte into each package: generated/store/ (the protocol as a folder of its own),
generated/rcsdk/store/, generated/js/store/, generated/php/store/ and generated/go/redis/store/
(embedded into the Go module with ``//go:embed``). Each language's ``RedisTokenStore`` loads its
copy; tests/test_redis_protocol.py checks that the copies are the
same bytes and that every language runs them.
"""

from __future__ import annotations

from generator.targets import Target


class Store(Target):
    name = "store"
    description = "generated/store (the Redis token store protocol) and its copy in each package"
    comments = ((".lua", "--"),)
    templates = ("store",)
    also_under = ("rcsdk", "js", "php", "go/redis")


TARGET = Store()
