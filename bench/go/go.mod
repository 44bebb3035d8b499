module rcsdk.local/bench

go 1.22

require rcsdk.local/rcsdk v0.0.0

replace rcsdk.local/rcsdk => ../../generated/go
