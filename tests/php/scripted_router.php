<?php

declare(strict_types=1);

// The router of the scripted server (tests/php/bootstrap.php: Scripted): answers the listed
// responses in order whatever the path (599 past the end) and records each request.

$state = (string) getenv('RCSDK_SCRIPTED_STATE');
$handle = fopen($state, 'c+');
flock($handle, LOCK_EX);
$data = json_decode((string) stream_get_contents($handle), true);
$headers = [];
foreach (getallheaders() as $key => $value) {
    $headers[strtolower((string) $key)] = (string) $value;
}
$data['seen'][] = [
    'method' => $_SERVER['REQUEST_METHOD'],
    'path' => (string) parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH),
    'query' => (string) ($_SERVER['QUERY_STRING'] ?? ''),
    'headers' => $headers,
    'body' => (string) file_get_contents('php://input'),
];
$reply = $data['responses'][count($data['seen']) - 1] ?? ['status' => 599, 'headers' => [], 'body' => 'not in the script'];
ftruncate($handle, 0);
rewind($handle);
fwrite($handle, (string) json_encode($data));
flock($handle, LOCK_UN);
fclose($handle);

http_response_code((int) $reply['status']);
header_remove('X-Powered-By');
foreach ($reply['headers'] as $key => $value) {
    header("{$key}: {$value}");
}
if (($reply['delay_body'] ?? 0) > 0) {
    flush(); // the status line and headers go now, the body after the delay
    usleep((int) ($reply['delay_body'] * 1e6));
}
if (($reply['delay'] ?? 0) > 0) {
    usleep((int) ($reply['delay'] * 1e6));
}
echo isset($reply['body_base64']) ? base64_decode((string) $reply['body_base64']) : $reply['body']; // binary bodies travel in base64
return true;
