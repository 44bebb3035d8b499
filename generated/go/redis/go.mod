// Copied verbatim from templates/go/redis/go.mod by rcsdk's generator.
// Do not edit: change templates/go/redis/go.mod and run `make generate`.
module rcsdk.local/rcsdk/redis

go 1.26.0

require (
	github.com/redis/go-redis/v9 v9.23.0
	rcsdk.local/rcsdk v0.0.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
)

replace rcsdk.local/rcsdk => ../
