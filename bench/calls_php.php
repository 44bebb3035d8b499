<?php

declare(strict_types=1);

// PHP clients per call, all in this one process (bench/calls.py runs it):
//   php calls_php.php blocks SERVER CREDS_JSON ROUNDS BLOCK   interleaved blocks, one JSON line
//   php calls_php.php single SERVER CREDS_JSON KIND COUNT     COUNT calls of KIND (for callgrind)
// The same authenticated GET to the same keep-alive server: rcsdk get() (the body read, not
// parsed) against one bare curl handle ("curl", the floor); rcsdk readExtension() (the body as a
// typed model) against bare curl with json_decode ("curl+json"); and a second bare curl handle
// measured the same way ("curl copy": the method's noise floor). Bare curl names itself in a
// User-Agent as long as rcsdk's, so that both send the same request. In each round every client
// makes BLOCK calls, in an order that rotates by one client per round, timed in wall and in this
// process's CPU time (getrusage).

require getenv('RCSDK_PHP_AUTOLOAD') ?: __DIR__ . '/../build/php/vendor/autoload.php';

const PATH = '/restapi/v1.0/account/~/extension/~';
const WARM = 50;
const FLOOR = 'curl';

[, $mode, $server, $credsJson] = $argv;
$rest = array_slice($argv, 4);
$creds = json_decode($credsJson, true);

$cpu = static function (): float {
    $usage = getrusage();
    return $usage['ru_utime.tv_sec'] + $usage['ru_utime.tv_usec'] / 1e6 + $usage['ru_stime.tv_sec'] + $usage['ru_stime.tv_usec'] / 1e6;
};

/** @return array<string, Closure(): mixed> */
function clients(string $server, array $creds, array $kinds): array
{
    $platform = (new Rcsdk\RCSDK($creds['RC_APP_KEY'], $creds['RC_APP_SECRET'], $server))->getPlatform();
    $platform->loginJwt($creds['RC_JWT']);
    $token = $platform->getAuthData()['token']['access_token'];
    $agent = 'User-Agent: bare-curl/0.1.0 php/' . PHP_VERSION . ' curl/' . curl_version()['version'];
    $bare = static function (bool $decode) use ($server, $token, $agent): Closure {
        $curl = curl_init();
        curl_setopt_array($curl, [
            CURLOPT_URL => $server . PATH,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HTTPGET => true,
            CURLOPT_TIMEOUT_MS => 30000,
            CURLOPT_HTTPHEADER => ["Authorization: Bearer {$token}", 'Accept: application/json', $agent],
        ]);
        return $decode
            ? static fn (): mixed => json_decode((string) curl_exec($curl), true, 512, JSON_THROW_ON_ERROR)
            : static fn (): mixed => curl_exec($curl);
    };
    $made = [];
    foreach ($kinds as $kind) {
        $made[$kind] = match ($kind) {
            'rcsdk get' => static fn (): mixed => $platform->get(PATH)->body,
            'rcsdk readExtension' => static fn (): mixed => $platform->readExtension(),
            'curl', 'curl copy' => $bare(false),
            'curl+json' => $bare(true),
        };
    }
    foreach ($made as $call) {
        for ($i = 0; $i < WARM; $i++) {
            $call();
        }
    }
    return $made;
}

function median(array $values): float
{
    sort($values);
    $n = count($values);
    return $n % 2 ? $values[intdiv($n, 2)] : ($values[$n / 2 - 1] + $values[$n / 2]) / 2;
}

if ($mode === 'blocks') {
    [$rounds, $block] = [(int) $rest[0], (int) $rest[1]];
    $kinds = count($rest) > 2 ? array_slice($rest, 2) : [FLOOR, 'rcsdk get', 'curl+json', 'rcsdk readExtension', 'curl copy'];
    $made = clients($server, $creds, $kinds);
    $cpuTimes = $wallTimes = array_fill_keys($kinds, []);
    for ($turn = 0; $turn < $rounds; $turn++) {
        $shift = $turn % count($kinds);
        foreach ([...array_slice($kinds, $shift), ...array_slice($kinds, 0, $shift)] as $kind) {
            $call = $made[$kind];
            $c0 = $cpu();
            $w0 = hrtime(true);
            for ($i = 0; $i < $block; $i++) {
                $call();
            }
            $cpuTimes[$kind][] = ($cpu() - $c0) / $block * 1e6;
            $wallTimes[$kind][] = (hrtime(true) - $w0) / $block / 1e3;
        }
    }
    $out = [];
    foreach ($kinds as $kind) {
        // readExtension() is compared with curl+json (both decode the body), the rest with curl.
        $floor = $kind === 'rcsdk readExtension' && isset($cpuTimes['curl+json']) ? 'curl+json' : FLOOR;
        $out[$kind] = [
            'cpu_us' => median($cpuTimes[$kind]),
            'wall_us' => median($wallTimes[$kind]),
            'cpu_ratio' => median(array_map(static fn (float $a, float $b): float => $a / $b, $cpuTimes[$kind], $cpuTimes[$floor])),
            'wall_ratio' => median(array_map(static fn (float $a, float $b): float => $a / $b, $wallTimes[$kind], $wallTimes[$floor])),
            'against' => $floor,
        ];
    }
    echo json_encode($out), "\n";
} elseif ($mode === 'single') {
    [$kind, $count] = [$rest[0], (int) $rest[1]];
    $call = clients($server, $creds, [$kind])[$kind];
    for ($i = 0; $i < $count; $i++) {
        $call();
    }
} else {
    fwrite(STDERR, "unknown mode {$mode}\n");
    exit(2);
}
