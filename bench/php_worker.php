<?php

declare(strict_types=1);

// One PHP benchmark measurement in a fresh process (bench/run.py):
//   php php_worker.php KIND calls SERVER CREDS_JSON COUNT
// KIND is rcsdk (the PHP client) or raw (one bare curl handle with a hand-made Bearer header:
// the floor). Both send the same request: raw names itself in a User-Agent line as long as
// rcsdk's (as any client that names itself does, and as requests does in the Python rows), so
// that the ratio measures the clients, not the parsing of a header only one of them sends.
// KIND "blocks" runs both in this process, in adjacent blocks of 50 calls in
// alternating order (40 rounds each), so that drift on the machine hits both alike, and times each
// block in wall and in this process's CPU time. Prints one JSON object.

require getenv('RCSDK_PHP_AUTOLOAD') ?: __DIR__ . '/../build/php/vendor/autoload.php';

const PATH = '/restapi/v1.0/account/~/extension/~';
define('AGENT', 'User-Agent: bare-curl/0.1.0 php/' . PHP_VERSION . ' curl/' . curl_version()['version']);

[, $kind, $mode, $server, $credsJson, $count] = $argv;
$creds = json_decode($credsJson, true);
$cpu = static function (): float {
    $usage = getrusage();
    return $usage['ru_utime.tv_sec'] + $usage['ru_utime.tv_usec'] / 1e6 + $usage['ru_stime.tv_sec'] + $usage['ru_stime.tv_usec'] / 1e6;
};

if ($kind === 'blocks') {
    $platform = (new Rcsdk\RCSDK($creds['RC_APP_KEY'], $creds['RC_APP_SECRET'], $server))->getPlatform();
    $platform->loginJwt($creds['RC_JWT']);
    $token = $platform->getAuthData()['token']['access_token'];
    $bare = static function () use ($server, $token): Closure {
        $curl = curl_init();
        curl_setopt_array($curl, [
            CURLOPT_URL => $server . PATH,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HTTPGET => true,
            CURLOPT_TIMEOUT_MS => 30000,
            CURLOPT_HTTPHEADER => ["Authorization: Bearer {$token}", 'Accept: application/json', AGENT],
        ]);
        return static function () use ($curl): void {
            if (!is_string(curl_exec($curl)) || curl_getinfo($curl, CURLINFO_RESPONSE_CODE) >= 400) {
                throw new RuntimeException('call failed');
            }
        };
    };
    // rcsdk against bare curl, and (the noise floor of the method) bare curl against a second
    // bare curl handle measured the same way.
    $calls = ['rcsdk' => static fn () => $platform->get(PATH), 'raw' => $bare(), 'raw2' => $bare()];
    $times = $cpuTimes = ['rcsdk' => [], 'raw' => [], 'raw2' => []];
    $ratios = $cpuRatios = ['rcsdk' => [], 'raw2' => []];
    foreach ($calls as $call) {
        for ($i = 0; $i < 50; $i++) { // warm up: connections, caches
            $call();
        }
    }
    for ($round = 0; $round < 80; $round++) {
        $other = $round % 4 < 2 ? 'rcsdk' : 'raw2';
        $order = $round % 2 === 0 ? [$other, 'raw'] : ['raw', $other];
        $block = $cpuBlock = [];
        foreach ($order as $name) {
            $cpuStart = $cpu();
            $start = hrtime(true);
            for ($i = 0; $i < 50; $i++) {
                $calls[$name]();
            }
            $block[$name] = (hrtime(true) - $start) / 50 / 1000;
            $cpuBlock[$name] = ($cpu() - $cpuStart) / 50 * 1e6;
            $times[$name][] = $block[$name];
            $cpuTimes[$name][] = $cpuBlock[$name];
        }
        $ratios[$other][] = $block[$other] / $block['raw'];
        $cpuRatios[$other][] = $cpuBlock[$other] / $cpuBlock['raw'];
    }
    $median = static function (array $values): float {
        sort($values);
        $n = count($values);
        return $n % 2 ? $values[intdiv($n, 2)] : ($values[$n / 2 - 1] + $values[$n / 2]) / 2;
    };
    echo json_encode([
        'rcsdk_us' => $median($times['rcsdk']),
        'raw_us' => $median($times['raw']),
        'ratio' => $median($ratios['rcsdk']),
        'noise_ratio' => $median($ratios['raw2']),
        'rcsdk_cpu_us' => $median($cpuTimes['rcsdk']),
        'raw_cpu_us' => $median($cpuTimes['raw']),
        'cpu_ratio' => $median($cpuRatios['rcsdk']),
        'cpu_noise_ratio' => $median($cpuRatios['raw2']),
    ]), "\n";
    exit(0);
}

if ($kind === 'rcsdk') {
    $platform = (new Rcsdk\RCSDK($creds['RC_APP_KEY'], $creds['RC_APP_SECRET'], $server))->getPlatform();
    $platform->loginJwt($creds['RC_JWT']);
    $call = static fn () => $platform->get(PATH);
} else {
    $curl = curl_init($server . '/restapi/oauth/token');
    curl_setopt_array($curl, [
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_POSTFIELDS => http_build_query(['grant_type' => 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'assertion' => $creds['RC_JWT']]),
        CURLOPT_USERPWD => $creds['RC_APP_KEY'] . ':' . $creds['RC_APP_SECRET'],
    ]);
    $token = json_decode((string) curl_exec($curl), true)['access_token'];
    curl_reset($curl);
    curl_setopt_array($curl, [
        CURLOPT_URL => $server . PATH,
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_HTTPGET => true,
        CURLOPT_TIMEOUT_MS => 30000,
        CURLOPT_HTTPHEADER => ["Authorization: Bearer {$token}", 'Accept: application/json', AGENT],
    ]);
    $call = static function () use ($curl): string {
        $body = curl_exec($curl);
        if (!is_string($body) || curl_getinfo($curl, CURLINFO_RESPONSE_CODE) >= 400) {
            throw new RuntimeException('call failed');
        }
        return $body;
    };
}

for ($i = 0; $i < 50; $i++) { // warm up: connection, caches
    $call();
}
$wall = hrtime(true);
$cpuStart = $cpu();
for ($i = 0; $i < (int) $count; $i++) {
    $call();
}
$wall = (hrtime(true) - $wall) / 1e9;
$cpuUsed = $cpu() - $cpuStart;
echo json_encode([
    'wall_us' => $wall / (int) $count * 1e6,
    'cpu_us' => $cpuUsed / (int) $count * 1e6,
    'max_rss_mb' => getrusage()['ru_maxrss'] / 1024,
]), "\n";
