<?php

declare(strict_types=1);

// The decision table (tests/cases/decisions.json), run against the PHP runtime's pure functions
// (Decide.php); tests/test_decisions.py runs the same table, and says how it reads. A deliberate
// change to each function, made in a copy of Decide.php's source, must fail that function's
// section.

namespace Rcsdk\Tests;

use PHPUnit\Framework\TestCase;
use Rcsdk\Decide;

final class DecisionsTest extends TestCase
{
    /** One deliberate change per decision (text in Decide.php => its replacement). */
    private const MUTATIONS = [
        'expiry' => ['$seconds > 0 && $seconds <=', '$seconds >= 0 && $seconds <='],
        'access_due' => ['min($margin, $known / 2)', 'min($margin, $known)'],
        'can_refresh' => ['$now < $refreshTokenExpiresAt', '$now <= $refreshTokenExpiresAt'],
        'ends_session' => ['$status < 500', '$status < 600'],
        'after_rejection' => ["'lost' => 'drop'", "'lost' => 'end'"],
        'after_401' => ['$sends >= 3', '$sends >= 2'], // the one retry PHP made before
        'after_read' => ["\$store === 'other' && !\$fenced", "\$store === 'other'"], // a fenced store decided by the clocks
    ];

    /** @return array<string, array{args: list<string>, rows: list<array<string, mixed>>}> */
    private static function table(): array
    {
        static $table = null;
        return $table ??= json_decode((string) file_get_contents(ROOT . '/tests/cases/decisions.json'), true)['decisions'];
    }

    /**
     * The rows `$class`'s functions answer otherwise than the table, as "section: row".
     *
     * @return list<string>
     */
    private static function failures(string $class): array
    {
        $failed = [];
        foreach (self::table() as $name => $section) {
            $method = lcfirst(str_replace('_', '', ucwords($name, '_')));
            foreach ($section['rows'] as $row) {
                $got = $class::$method(...array_map(static fn (string $arg): mixed => $row[$arg], $section['args']));
                $expect = $row['expect'];
                if (($got === null) !== ($expect === null) || is_bool($got) !== is_bool($expect) || $got != $expect) {
                    $failed[] = "{$name}: {$row['name']} (got " . json_encode($got) . ')';
                }
            }
        }
        return $failed;
    }

    public function testEveryDecisionAnswersAsTheTableSays(): void
    {
        self::assertSame([], self::failures(Decide::class));
    }

    public function testEveryDecisionHasASectionAndAMutation(): void
    {
        $sections = array_keys(self::table());
        $mutated = array_keys(self::MUTATIONS);
        sort($sections);
        sort($mutated);
        self::assertSame($sections, $mutated);
    }

    /** @return array<string, array{string}> */
    public static function mutations(): array
    {
        $sections = [];
        foreach (array_keys(self::MUTATIONS) as $section) {
            $sections[$section] = [$section];
        }
        return $sections;
    }

    /** @dataProvider mutations */
    public function testAChangedDecisionFailsItsSection(string $section): void
    {
        [$old, $new] = self::MUTATIONS[$section];
        $source = (string) file_get_contents((new \ReflectionClass(Decide::class))->getFileName());
        self::assertSame(1, substr_count($source, $old), $old);
        $class = 'DecideMutant' . str_replace('_', '', ucwords($section, '_'));
        $mutant = str_replace(['final class Decide', $old], ["final class {$class}", $new], $source);
        $file = tempnam(sys_get_temp_dir(), 'decide');
        file_put_contents($file, $mutant);
        try {
            require $file;
        } finally {
            unlink($file);
        }
        $failed = self::failures("Rcsdk\\{$class}");
        self::assertNotSame([], array_filter($failed, static fn (string $line): bool => str_starts_with($line, "{$section}: ")), implode("\n", $failed));
    }
}
