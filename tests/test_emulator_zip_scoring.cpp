// The startrun zip reader and the built-in scoring model.
#include "ml/scoring.hpp"
#include "ml/zip_reader.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace {

void put16(std::string& out, std::uint32_t v) {
    out += static_cast<char>(v & 0xff);
    out += static_cast<char>((v >> 8) & 0xff);
}

void put32(std::string& out, std::uint32_t v) {
    put16(out, v & 0xffff);
    put16(out, v >> 16);
}

// A stored (uncompressed) zip with these entries, built per APPNOTE 4.3; CRCs are left 0
// because the reader never checks them.
std::string make_zip(const std::vector<std::pair<std::string, std::string>>& files, const std::string& comment = "") {
    std::string out;
    std::string directory;
    for (const auto& [name, content] : files) {
        const auto offset = static_cast<std::uint32_t>(out.size());
        put32(out, 0x04034b50);
        put16(out, 20), put16(out, 0), put16(out, 0), put16(out, 0), put16(out, 0);
        put32(out, 0), put32(out, content.size()), put32(out, content.size());
        put16(out, name.size()), put16(out, 0);
        out += name + content;
        put32(directory, 0x02014b50);
        put16(directory, 20), put16(directory, 20), put16(directory, 0), put16(directory, 0);
        put16(directory, 0), put16(directory, 0);
        put32(directory, 0), put32(directory, content.size()), put32(directory, content.size());
        put16(directory, name.size()), put16(directory, 0), put16(directory, 0);
        put16(directory, 0), put16(directory, 0), put32(directory, 0), put32(directory, offset);
        directory += name;
    }
    const auto directory_offset = static_cast<std::uint32_t>(out.size());
    out += directory;
    put32(out, 0x06054b50);
    put16(out, 0), put16(out, 0), put16(out, files.size()), put16(out, files.size());
    put32(out, directory.size()), put32(out, directory_offset);
    put16(out, comment.size());
    return out + comment;
}

}  // namespace

TEST_SUITE("emulator-ml") {
    TEST_CASE("zip entry names come from the central directory") {
        const auto names = emulator::zip_entry_names(
            make_zip({{"train.py", "print(1)\n"}, {"src/util.py", "x = 1\n"}, {"data/", ""}}, "a comment"));
        REQUIRE(names);
        CHECK(*names == std::vector<std::string>{"train.py", "src/util.py", "data/"});
        const auto empty = emulator::zip_entry_names(make_zip({}));
        REQUIRE(empty);
        CHECK(empty->empty());
    }

    TEST_CASE("what is not a zip is refused") {
        CHECK_FALSE(emulator::zip_entry_names("").has_value());
        CHECK_FALSE(emulator::zip_entry_names("print('hello')\n").has_value());
        std::string truncated = make_zip({{"train.py", "print(1)\n"}});
        truncated.erase(30, 20);
        CHECK_FALSE(emulator::zip_entry_names(truncated).has_value());
    }

    TEST_CASE("the built-in model answers the sum of each row") {
        using nlohmann::json;
        auto result = emulator::score(json{{"data", {{1, 2, 3}, {4.5, 0.5}, 7}}});
        CHECK(result.error.empty());
        CHECK(result.predictions == json{6, 5, 7});
        CHECK(emulator::score(json{{"input_data", {{"data", {{1, 1}}}}}}).predictions == json{2});
        CHECK(emulator::score(json{{"data", {{1.25, 1}}}}).predictions == json{2.25});
        CHECK(emulator::score(json{{"data", json::array()}}).predictions == json::array());
    }

    TEST_CASE("malformed scoring requests say what was expected") {
        using nlohmann::json;
        CHECK(emulator::score(json{{"rows", {1}}}).error.find("\"data\"") != std::string::npos);
        CHECK(emulator::score(json{{"data", {{1, "x"}}}}).error == "row 0 is not a number or an array of numbers");
        CHECK_FALSE(emulator::score(json::array()).error.empty());
    }
}
