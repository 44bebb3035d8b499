// The Go benchmark measurements (bench/run.py), each in a fresh process:
//
//	go_worker blocks SERVER CREDS_JSON   rcsdk against bare net/http, in one process
//	go_worker single SERVER CREDS_JSON KIND COUNT   COUNT calls of one client (rcsdk, raw), for
//	                                     callgrind: two counts, the difference is one call
//	go_worker startup                    rcsdk.New, then exit (the process is timed from outside)
//	go_worker storm SERVER CREDS_JSON    32 goroutines on a due token: refreshes, failed calls
//
// blocks: rounds of adjacent blocks of 50 authenticated GETs, one block per client in every
// round, in an order that goes through all six in turn: rcsdk and a second bare client each
// against a bare keep-alive net/http client that sends the same request (a Bearer header and a
// User-Agent as long as rcsdk's), timed in wall and in this process's CPU time, so that drift on
// the machine hits all alike. (Measured only every other round, as before, a client paid for
// coming back cold: two identical bare clients differed by 1.07 to 1.09 in CPU.) Then the heap
// allocations per call of each (runtime.MemStats over allocCalls calls). Prints one JSON object.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"

	"rcsdk.local/rcsdk"
)

const path = "/restapi/v1.0/account/~/extension/~"

func main() {
	switch os.Args[1] {
	case "startup":
		if _, err := rcsdk.New("app-key", "app-secret", "http://127.0.0.1:9"); err != nil {
			panic(err)
		}
	case "blocks":
		emit(blocks(platform()))
	case "storm":
		emit(storm(platform()))
	case "single":
		count, err := strconv.Atoi(os.Args[5])
		if err != nil {
			panic(err)
		}
		call := clients(platform())[os.Args[4]]
		for i := 0; i < count; i++ {
			call()
		}
	}
}

func platform() *rcsdk.Platform {
	var creds map[string]string
	if err := json.Unmarshal([]byte(os.Args[3]), &creds); err != nil {
		panic(err)
	}
	sdk, err := rcsdk.New(creds["RC_APP_KEY"], creds["RC_APP_SECRET"], os.Args[2])
	if err != nil {
		panic(err)
	}
	if _, err := sdk.Platform().LoginJWT(context.Background(), creds["RC_JWT"]); err != nil {
		panic(err)
	}
	return sdk.Platform()
}

func emit(value any) {
	out, _ := json.Marshal(value)
	fmt.Println(string(out))
}

func cpu() float64 {
	var usage syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return float64(usage.Utime.Nano()+usage.Stime.Nano()) / 1e3
}

func bare(server, token string) func() {
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	agent := fmt.Sprintf("bare-http/%s %s", rcsdk.Version, runtime.Version())
	return func() {
		request, _ := http.NewRequest(http.MethodGet, server+path, nil)
		request.Header.Set("Accept", "application/json")
		request.Header.Set("User-Agent", agent)
		request.Header.Set("Authorization", "Bearer "+token)
		response, err := client.Do(request)
		if err != nil {
			panic(err)
		}
		_, _ = io.ReadAll(response.Body)
		response.Body.Close()
		if response.StatusCode >= 400 {
			panic(response.Status)
		}
	}
}

func median(values []float64) float64 {
	sorted := append([]float64{}, values...)
	sort.Float64s(sorted)
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// clients are the calls measured: rcsdk's Get, and two bare net/http clients sending the same
// request.
func clients(p *rcsdk.Platform) map[string]func() {
	ctx := context.Background()
	token := p.GetAuthData()["token"].(map[string]any)["access_token"].(string)
	return map[string]func(){
		"rcsdk": func() {
			if _, err := p.Get(ctx, path, nil); err != nil {
				panic(err)
			}
		},
		"raw":  bare(p.Server(), token),
		"raw2": bare(p.Server(), token),
	}
}

// allocCalls is how many calls allocations per call are counted over.
const allocCalls = 500

// allocations are the heap allocations and bytes of one call (medians would hide nothing here:
// the counts barely move from call to call).
func allocations(call func()) (float64, float64) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < allocCalls; i++ {
		call()
	}
	runtime.ReadMemStats(&after)
	return float64(after.Mallocs-before.Mallocs) / allocCalls, float64(after.TotalAlloc-before.TotalAlloc) / allocCalls
}

// The blocks of a process: rounds rounds of one block of block calls per client, in each of
// the six orders in turn, so that every client is as often first, second and third, and after
// each of the others.
const (
	rounds = 84
	block  = 50
)

var orders = [][]string{
	{"rcsdk", "raw", "raw2"}, {"raw", "raw2", "rcsdk"}, {"raw2", "rcsdk", "raw"},
	{"rcsdk", "raw2", "raw"}, {"raw2", "raw", "rcsdk"}, {"raw", "rcsdk", "raw2"},
}

func blocks(p *rcsdk.Platform) map[string]float64 {
	calls := clients(p)
	for _, call := range calls {
		for i := 0; i < block; i++ { // warm up: connections, caches
			call()
		}
	}
	times := map[string][]float64{}
	cpuTimes := map[string][]float64{}
	ratios := map[string][]float64{}
	cpuRatios := map[string][]float64{}
	for round := 0; round < rounds; round++ {
		wall, spent := map[string]float64{}, map[string]float64{}
		for _, name := range orders[round%len(orders)] {
			cpuStart, start := cpu(), time.Now()
			for i := 0; i < block; i++ {
				calls[name]()
			}
			wall[name] = float64(time.Since(start).Microseconds()) / block
			spent[name] = (cpu() - cpuStart) / block
			times[name] = append(times[name], wall[name])
			cpuTimes[name] = append(cpuTimes[name], spent[name])
		}
		for _, other := range []string{"rcsdk", "raw2"} {
			ratios[other] = append(ratios[other], wall[other]/wall["raw"])
			cpuRatios[other] = append(cpuRatios[other], spent[other]/spent["raw"])
		}
	}
	rcsdkAllocs, rcsdkBytes := allocations(calls["rcsdk"])
	rawAllocs, rawBytes := allocations(calls["raw"])
	return map[string]float64{
		"rounds": rounds, "block": block,
		"rcsdk_allocs": rcsdkAllocs, "rcsdk_bytes": rcsdkBytes,
		"raw_allocs": rawAllocs, "raw_bytes": rawBytes,
		"rcsdk_us": median(times["rcsdk"]), "raw_us": median(times["raw"]),
		"ratio": median(ratios["rcsdk"]), "noise_ratio": median(ratios["raw2"]),
		"rcsdk_cpu_us": median(cpuTimes["rcsdk"]), "raw_cpu_us": median(cpuTimes["raw"]),
		"cpu_ratio": median(cpuRatios["rcsdk"]), "cpu_noise_ratio": median(cpuRatios["raw2"]),
	}
}

func storm(p *rcsdk.Platform) map[string]int {
	data := p.GetAuthData()
	data["expires_at"] = float64(time.Now().Unix() - 1) // due
	if err := p.SetAuthData(data); err != nil {
		panic(err)
	}
	var mu sync.Mutex
	refreshes, failures := 0, 0
	p.On(rcsdk.EventRefreshSuccess, func(any) { mu.Lock(); refreshes++; mu.Unlock() })
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := p.ReadExtension(context.Background()); err != nil {
				mu.Lock()
				failures++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return map[string]int{"goroutines": 32, "refreshes": refreshes, "failures": failures}
}
