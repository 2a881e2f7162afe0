#include "converge/json_pointer.hpp"
#include "converge/model.hpp"

#include <doctest/doctest.h>

using namespace converge;

TEST_SUITE("json_pointer") {
TEST_CASE("a segment escapes '~' and '/' and reads back the same") {
    CHECK(json_pointer::escape("plain") == "plain");
    CHECK(json_pointer::escape("a/b~c") == "a~1b~0c");
    CHECK(json_pointer::escape("~/") == "~0~1");
    CHECK(json_pointer::escape("") == "");
    CHECK(json_pointer::escape("~1") == "~01");  // not mistaken for an escape on the way back
    for (const char* s : {"plain", "a/b~c", "~/", "", "~1", "~0/~1", "/leading", "trailing~"}) {
        CHECK(json_pointer::unescape(json_pointer::escape(s)) == s);
    }
    CHECK(json_pointer::unescape("a~2b~") == "a~2b~");  // not an escape: kept as written
}

TEST_CASE("segments append in place and a pointer splits back into them") {
    std::string p = "/spec";
    json_pointer::append_segment(p, "a/b");
    json_pointer::append_segment(p, "x~y");
    json_pointer::append_segment(p, "0");
    CHECK(p == "/spec/a~1b/x~0y/0");
    CHECK(json_pointer::join("/tags", "team/x") == "/tags/team~1x");
    using Segments = std::vector<std::string>;
    const Segments four = {"spec", "a/b", "x~y", "0"};
    const Segments one_empty = {""};
    const Segments middle_empty = {"a", "", "b"};
    CHECK(json_pointer::parse(p) == four);
    CHECK(json_pointer::parse("").empty());
    CHECK(json_pointer::parse("/") == one_empty);
    CHECK(json_pointer::parse("/a//b") == middle_empty);
    // What nlohmann's own parser reads from the same text.
    Json doc;
    doc[Json::json_pointer(p)] = 1;
    CHECK(doc["spec"]["a/b"]["x~y"].is_array());
}

TEST_CASE("a pointer's hash extended by segments equals the hash of the escaped text") {
    for (const char* s : {"name", "a/b", "x~y", "~/~/", ""}) {
        CHECK(PointerHash::extend_segment(PointerHash::of("/spec"), s) ==
              PointerHash::of(json_pointer::join("/spec", s)));
    }
}
}
