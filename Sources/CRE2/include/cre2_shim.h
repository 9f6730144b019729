/*
 * cre2_shim.h — a minimal C API over RE2 (Debian libre2-dev 20220601).
 *
 * Why a C shim: Swift can then call RE2 without enabling C++ interop for every
 * target that imports it, and no C++ exception can cross into Swift (every
 * entry point catches). All strings are (pointer, byte length) pairs, so
 * patterns and texts may contain NUL bytes.
 *
 * Thread safety: a compiled cre2_regex is immutable from the caller's point of
 * view. Every function taking `const cre2_regex *` may be called concurrently
 * from any number of threads (RE2 guarantees this for its const methods; its
 * lazily built DFA caches are internally locked). Only cre2_free needs
 * exclusive access.
 */
#ifndef CRE2_SHIM_H
#define CRE2_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define CRE2_NOEXCEPT noexcept
extern "C" {
#else
#define CRE2_NOEXCEPT
#endif

/* Opaque compiled regex (owns an RE2 object). Swift sees it as OpaquePointer. */
typedef struct cre2_regex cre2_regex;

/* Compile options. Zero-initialising gives: max_mem 0 (use RE2's default,
 * 8 MiB), leftmost-first matching, UTF-8. */
typedef struct cre2_options {
  /* Approximate upper bound in bytes for the compiled programs plus their DFA
   * caches. When a DFA cache fills up RE2 flushes it, and eventually falls
   * back to its NFA: matching stays linear-time, only slower. <= 0: default. */
  int64_t max_mem;
  /* Nonzero: leftmost-longest (POSIX) semantics. Zero: leftmost-first (Perl,
   * Go, Prometheus). */
  int longest_match;
  /* Nonzero: pattern and text are Latin-1. Zero: UTF-8. */
  int latin1;
} cre2_options;

/* How a match must be anchored in the text. */
typedef enum cre2_anchor {
  CRE2_UNANCHORED = 0, /* a match anywhere in the text (partial match) */
  CRE2_ANCHOR_START = 1,
  CRE2_ANCHOR_BOTH = 2 /* the whole text must match (full match) */
} cre2_anchor;

/* Compiles `pattern`. Returns NULL only if memory ran out. Otherwise returns a
 * regex that must be released with cre2_free, even when compilation failed:
 * check cre2_error_code() first. Error logging to stderr is always off. */
cre2_regex *cre2_compile(const char *pattern, size_t pattern_len,
                         const cre2_options *options) CRE2_NOEXCEPT;

/* Releases a regex returned by cre2_compile. NULL is ignored. */
void cre2_free(cre2_regex *re) CRE2_NOEXCEPT;

/* RE2::ErrorCode: 0 when the regex compiled, else e.g. 6 (missing paren),
 * 14 (pattern too large for max_mem). */
int cre2_error_code(const cre2_regex *re) CRE2_NOEXCEPT;

/* RE2's error message ("missing ): crit("), or "" when compilation succeeded.
 * The pointer stays valid until cre2_free; it is NUL-terminated and its byte
 * length is stored in *len when len is not NULL. */
const char *cre2_error(const cre2_regex *re, size_t *len) CRE2_NOEXCEPT;

/* The offending fragment of the pattern ("crit("), same lifetime rules. */
const char *cre2_error_arg(const cre2_regex *re, size_t *len) CRE2_NOEXCEPT;

/* Number of capturing groups, not counting the whole match; -1 when the
 * regex did not compile. */
int cre2_num_groups(const cre2_regex *re) CRE2_NOEXCEPT;

/* Number of named capturing groups (0 when the regex did not compile). */
int cre2_named_group_count(const cre2_regex *re) CRE2_NOEXCEPT;

/* The i-th named group in order of group index, 0 <= i < count. Returns its
 * group index (>= 1) and stores its name, valid until cre2_free; returns -1
 * when i is out of range. If two groups share a name both are listed. */
int cre2_named_group(const cre2_regex *re, int i, const char **name,
                     size_t *name_len) CRE2_NOEXCEPT;

/* 1 if the whole text matches, 0 if not, -1 on an internal error (the regex
 * did not compile, or memory ran out). */
int cre2_full_match(const cre2_regex *re, const char *text, size_t text_len) CRE2_NOEXCEPT;

/* 1 if some substring of the text matches, 0 if not, -1 on error. */
int cre2_partial_match(const cre2_regex *re, const char *text, size_t text_len) CRE2_NOEXCEPT;

/* Matches with submatch extraction. On a match returns 1 and fills
 * `ranges[2*i]`, `ranges[2*i+1]` with the byte offsets [start, end) of group i
 * (group 0 is the whole match) for i < ngroups; a group that did not take part
 * in the match gets -1, -1. `ngroups` may be 0 (then `ranges` may be NULL) and
 * is clamped to 1 + cre2_num_groups(). Returns 0 on no match (ranges
 * unspecified), -1 on error. */
int cre2_match(const cre2_regex *re, const char *text, size_t text_len,
               cre2_anchor anchor, int64_t *ranges, int ngroups) CRE2_NOEXCEPT;

/* 1 if RE2 can prove the regex matches no string at all (e.g. "[^\x00-\x{10FFFF}]"
 * or "\b\B"), 0 if it may match something or the analysis gave up. Best
 * effort: "a^b" also matches nothing but is not detected. */
int cre2_matches_nothing(const cre2_regex *re) CRE2_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* CRE2_SHIM_H */
