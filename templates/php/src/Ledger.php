<?php

declare(strict_types=1);

namespace Rcsdk;

/**
 * Client's bookkeeping of its tokens: the ones in use, and what the store holds (the PHP twin of
 * the Python client's TokenLedger).
 *
 * Tokens the platform issued are used at once and then written to the store. A write the store
 * refuses leaves them in use, remembered as *unsaved* together with the refresh token the store
 * held at the time; they are written at the next chance, unless the store has newer tokens by
 * then (another process rotated them meanwhile: theirs win). Only a Client uses it: Client
 * decides when to refresh, and holds the store's lock around every method here that reads or
 * writes the store.
 */
trait Ledger
{
    private ?AuthState $state = null;
    private bool $unsaved = false;
    /** The refresh token the store held when it refused our tokens (sealed: see unsavedOver()). */
    private ?\Closure $unsavedOver = null;

    /**
     * The tokens and their expiry times, in the format the Python and JavaScript clients use
     * too (`[]` when logged out); setAuthData() takes it back exactly.
     *
     * @return array<string, mixed>
     */
    public function getAuthData(): array
    {
        $state = $this->current();
        return $state !== null ? $state->toJson() : [];
    }

    /**
     * Restore what getAuthData() returned (`[]` or null log out locally).
     * Throws AuthDataError for data of an unknown version or shape.
     *
     * @param array<string, mixed>|null $data
     */
    public function setAuthData(#[\SensitiveParameter] ?array $data): void
    {
        $this->reportStore($this->replace(AuthState::fromJson($data)));
    }

    /** Whether calls can be authorized without a new login (valid or refreshable tokens). No request. */
    public function isAuthorized(): bool
    {
        $state = $this->current();
        return $state !== null && $state->usable($this->now());
    }

    protected function current(): ?AuthState
    {
        return $this->state ?? $this->reload();
    }

    /** Read the store: another process may have written newer tokens. */
    private function reload(): ?AuthState
    {
        try {
            $data = $this->store->load();
        } catch (TokenStoreError $error) {
            if ($this->state === null) {
                throw $error;
            }
            // The store cannot be read at all (a directory in its place, a permission): go on
            // with the tokens in memory, to be written once it can be used again.
            if (!$this->unsaved) {
                [$this->unsaved, $this->unsavedOver] = [true, self::sealed($this->state->token->refreshToken)];
                $this->log('warning', 'rcsdk: tokens kept in memory, the store cannot be read: ' . $this->redactor->text($error->getMessage()));
                $this->reportStore($error);
            }
            return $this->state;
        }
        try {
            $state = AuthState::fromJson($data);
            $unusable = false;
        } catch (AuthDataError $error) {
            if (!$this->unsaved) {
                throw $error;
            }
            [$state, $unusable] = [null, true]; // content nobody can use: ours replace it
        }
        if ($this->unsaved) {
            // Tokens the store refused: write them now, unless the store has newer ones by now
            // (a login, or the same rotation). Older ones another process wrote when the store
            // came back (it got them as a grace-period reuse) give way to ours.
            if (
                $unusable
                || $state === null // the store holds nothing: ours fill it (as in Python)
                || $state->token->refreshToken === $this->unsavedOver()
                || $this->state?->issuedAfter($state) === true
            ) {
                $this->reportStore($this->keep($this->state));
                return $this->state;
            }
            $this->unsaved = false;
        }
        $this->state = $state;
        if ($state !== null) {
            $this->redactor->addTokens($state->token->accessToken, $state->token->refreshToken);
        }
        return $state;
    }

    /**
     * Use `$state` at once, then write it under the store's lock. A lock the store cannot give
     * (held past lockTimeout, a link or a directory at its path) keeps the tokens in use, to be
     * written later, as a failed write does: the error is returned, never thrown.
     */
    private function replace(?AuthState $state): ?TokenStoreError
    {
        try {
            return $this->store->synchronized(fn (): ?TokenStoreError => $this->keep($state));
        } catch (TokenStoreError $error) {
            return $this->failed($state, $error);
        }
    }

    /**
     * Use tokens, and save them (callers hold the store's lock). A failed save keeps them in
     * use, to be written later; the first failure of a run of them is returned (for
     * Event::STORE_ERROR, reported once per run as in Python), never thrown.
     */
    private function keep(?AuthState $state): ?TokenStoreError
    {
        $replaced = $this->unsaved ? $this->unsavedOver() : $this->state?->token->refreshToken;
        $this->useState($state);
        try {
            try {
                $this->store->save($state?->toJson());
            } catch (\Throwable $raised) {
                // A store of the application's own may throw anything: the tokens are kept.
                throw $raised instanceof TokenStoreError ? $raised : new TokenStoreError(
                    $this->redactor->text('could not write the token store: ' . get_class($raised) . ': ' . $raised->getMessage()),
                );
            }
        } catch (TokenStoreError $error) {
            return $this->unsave($replaced, $error);
        }
        $this->unsaved = false;
        $this->unsavedOver = null;
        return null;
    }

    /** Keep `$state` in use, unsaved: the store's lock could not be taken. */
    private function failed(?AuthState $state, TokenStoreError $error): ?TokenStoreError
    {
        $replaced = $this->unsaved ? $this->unsavedOver() : $this->state?->token->refreshToken;
        $this->useState($state);
        return $this->unsave($replaced, $error);
    }

    private function useState(?AuthState $state): void
    {
        $this->state = $state;
        if ($state !== null) {
            $this->redactor->addTokens($state->token->accessToken, $state->token->refreshToken, $state->token->idToken);
        }
    }

    /** Mark the tokens in use unsaved; the first failure of a run of them is returned. */
    private function unsave(?string $replaced, TokenStoreError $error): ?TokenStoreError
    {
        if ($this->unsaved) {
            return null; // reported at the first failure of this run of them
        }
        [$this->unsaved, $this->unsavedOver] = [true, self::sealed($replaced)];
        $this->log('warning', 'rcsdk: tokens kept in memory, the store did not take them: ' . $this->redactor->text($error->getMessage()));
        return $error;
    }

    private function unsavedOver(): ?string
    {
        return $this->unsavedOver === null ? null : ($this->unsavedOver)();
    }

    /** A refresh token in a closure: no serialization of the platform reaches it. */
    private static function sealed(#[\SensitiveParameter] ?string $token): \Closure
    {
        return static fn (): ?string => $token;
    }

    private function reportStore(?TokenStoreError $error): void
    {
        if ($error !== null) {
            $this->emit(Event::STORE_ERROR, $error);
        }
    }
}
