// Implementation of cre2_shim.h. Every entry point is noexcept and catches:
// a C++ exception unwinding into Swift frames would be undefined behaviour.

#include "cre2_shim.h"

#include <re2/re2.h>

#include <new>
#include <string>
#include <utility>
#include <vector>

struct cre2_regex {
  re2::RE2 re;
  // (name, group index) in index order, computed once so callers can iterate
  // by position; RE2 only hands out a std::map.
  std::vector<std::pair<std::string, int>> names;

  cre2_regex(re2::StringPiece pattern, const re2::RE2::Options &options)
      : re(pattern, options) {
    if (re.ok()) {
      for (const auto &entry : re.CapturingGroupNames()) {
        names.emplace_back(entry.second, entry.first);
      }
    }
  }
};

namespace {

// A non-null pointer for empty texts: with StringPiece(nullptr, 0) RE2 reports
// an empty group match as data() == nullptr, indistinguishable from "did not
// participate".
const char kEmpty[1] = {0};

re2::StringPiece piece(const char *data, size_t len) {
  return re2::StringPiece(data != nullptr ? data : kEmpty, data != nullptr ? len : 0);
}

const char *string_out(const std::string &s, size_t *len) {
  if (len != nullptr) *len = s.size();
  return s.c_str();
}

}  // namespace

extern "C" {

cre2_regex *cre2_compile(const char *pattern, size_t pattern_len,
                         const cre2_options *options) noexcept {
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_encoding(re2::RE2::Options::EncodingUTF8);
  opts.set_longest_match(false);
  if (options != nullptr) {
    if (options->max_mem > 0) opts.set_max_mem(options->max_mem);
    opts.set_longest_match(options->longest_match != 0);
    if (options->latin1 != 0) opts.set_encoding(re2::RE2::Options::EncodingLatin1);
  }
  try {
    return new cre2_regex(piece(pattern, pattern_len), opts);
  } catch (...) {
    return nullptr;
  }
}

void cre2_free(cre2_regex *re) noexcept { delete re; }

int cre2_error_code(const cre2_regex *re) noexcept {
  return static_cast<int>(re->re.error_code());
}

const char *cre2_error(const cre2_regex *re, size_t *len) noexcept {
  return string_out(re->re.error(), len);
}

const char *cre2_error_arg(const cre2_regex *re, size_t *len) noexcept {
  return string_out(re->re.error_arg(), len);
}

int cre2_num_groups(const cre2_regex *re) noexcept {
  return re->re.NumberOfCapturingGroups();
}

int cre2_named_group_count(const cre2_regex *re) noexcept {
  return static_cast<int>(re->names.size());
}

int cre2_named_group(const cre2_regex *re, int i, const char **name,
                     size_t *name_len) noexcept {
  if (i < 0 || static_cast<size_t>(i) >= re->names.size()) return -1;
  const auto &entry = re->names[static_cast<size_t>(i)];
  if (name != nullptr) *name = string_out(entry.first, name_len);
  return entry.second;
}

int cre2_full_match(const cre2_regex *re, const char *text,
                    size_t text_len) noexcept {
  return cre2_match(re, text, text_len, CRE2_ANCHOR_BOTH, nullptr, 0);
}

int cre2_partial_match(const cre2_regex *re, const char *text,
                       size_t text_len) noexcept {
  return cre2_match(re, text, text_len, CRE2_UNANCHORED, nullptr, 0);
}

int cre2_match(const cre2_regex *re, const char *text, size_t text_len,
               cre2_anchor anchor, int64_t *ranges, int ngroups) noexcept {
  if (!re->re.ok()) return -1;
  re2::RE2::Anchor re_anchor = re2::RE2::UNANCHORED;
  switch (anchor) {
    case CRE2_UNANCHORED: re_anchor = re2::RE2::UNANCHORED; break;
    case CRE2_ANCHOR_START: re_anchor = re2::RE2::ANCHOR_START; break;
    case CRE2_ANCHOR_BOTH: re_anchor = re2::RE2::ANCHOR_BOTH; break;
    default: return -1;
  }
  if (ngroups < 0 || (ngroups > 0 && ranges == nullptr)) return -1;
  const int max_groups = 1 + re->re.NumberOfCapturingGroups();
  if (ngroups > max_groups) ngroups = max_groups;

  const re2::StringPiece subject = piece(text, text_len);
  try {
    // Submatch slots on the stack for the common case; RE2 runs fastest when
    // asked for no submatches at all (it can stay in the DFA), so ngroups 0
    // passes none.
    constexpr int kInline = 16;
    re2::StringPiece inline_slots[kInline];
    std::vector<re2::StringPiece> heap_slots;
    re2::StringPiece *slots = inline_slots;
    if (ngroups > kInline) {
      heap_slots.resize(static_cast<size_t>(ngroups));
      slots = heap_slots.data();
    }
    if (!re->re.Match(subject, 0, subject.size(), re_anchor, slots, ngroups)) {
      return 0;
    }
    for (int i = 0; i < ngroups; ++i) {
      const re2::StringPiece &g = slots[i];
      if (g.data() == nullptr) {
        ranges[2 * i] = -1;
        ranges[2 * i + 1] = -1;
      } else {
        const int64_t start = g.data() - subject.data();
        ranges[2 * i] = start;
        ranges[2 * i + 1] = start + static_cast<int64_t>(g.size());
      }
    }
    return 1;
  } catch (...) {
    return -1;
  }
}

int cre2_matches_nothing(const cre2_regex *re) noexcept {
  if (!re->re.ok()) return 0;
  try {
    // RE2's DFA walk reports min == max == "" when its start state is dead,
    // i.e. no string can match; a regex matching only "" gives the same
    // range, hence the extra full match against "".
    std::string min, max;
    if (!re->re.PossibleMatchRange(&min, &max, 1)) return 0;
    if (!min.empty() || !max.empty()) return 0;
    const re2::StringPiece empty(kEmpty, 0);
    if (re->re.Match(empty, 0, 0, re2::RE2::ANCHOR_BOTH, nullptr, 0)) return 0;
    return 1;
  } catch (...) {
    return 0;
  }
}

}  // extern "C"
