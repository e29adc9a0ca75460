#include "guichet/http/static_assets.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>
#include "guichet/http/errors.hpp"

namespace guichet::http {
namespace fs = std::filesystem;
namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// First 10 hex digits of SHA-256 over the given byte strings.
std::string short_hash(const std::vector<const std::string*>& parts) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  for (const auto* part : parts) EVP_DigestUpdate(ctx, part->data(), part->size());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx, digest, &length);
  EVP_MD_CTX_free(ctx);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < 5; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xF];
  }
  return out;
}
}  // namespace

std::string content_type_for(std::string_view extension) {
  static const std::map<std::string_view, std::string_view> types{{".css", "text/css; charset=utf-8"},
                                                                  {".js", "text/javascript; charset=utf-8"},
                                                                  {".svg", "image/svg+xml"},
                                                                  {".png", "image/png"},
                                                                  {".jpg", "image/jpeg"},
                                                                  {".ico", "image/x-icon"},
                                                                  {".woff2", "font/woff2"},
                                                                  {".woff", "font/woff"},
                                                                  {".ttf", "font/ttf"},
                                                                  {".json", "application/json"},
                                                                  {".txt", "text/plain; charset=utf-8"},
                                                                  {".map", "application/json"},
                                                                  {".webmanifest", "application/manifest+json"}};
  auto it = types.find(extension);
  return std::string(it == types.end() ? "application/octet-stream" : it->second);
}

Result<StaticAssets> StaticAssets::load(const fs::path& directory, const std::string& url_prefix) {
  StaticAssets assets;
  if (!fs::is_directory(directory)) {
    return make_error(Errc::missing_static,
                      "the static asset directory does not exist: " + directory.string() + " (run `make build`)");
  }
  std::vector<fs::directory_entry> entries{fs::directory_iterator(directory), fs::directory_iterator()};
  std::sort(entries.begin(), entries.end());
  for (const auto& entry : entries) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file()) {
      auto content = std::make_shared<const std::string>(read_file(entry.path()));
      std::string stem = entry.path().stem().string();
      std::string extension = entry.path().extension().string();
      std::string url =
          url_prefix + stem + "." + short_hash(std::vector<const std::string*>{content.get()}) + extension;
      assets.url_by_logical_[name] = url;
      assets.by_url_[url] = Asset{content, content_type_for(extension)};
    } else if (entry.is_directory()) {
      std::vector<std::pair<std::string, std::shared_ptr<const std::string>>> files;
      for (const auto& inner : fs::recursive_directory_iterator(entry.path())) {
        if (!inner.is_regular_file()) continue;
        files.emplace_back(fs::relative(inner.path(), entry.path()).generic_string(),
                           std::make_shared<const std::string>(read_file(inner.path())));
      }
      std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      std::vector<const std::string*> parts;
      for (const auto& [relative, content] : files) {
        parts.push_back(&relative);
        parts.push_back(content.get());
      }
      std::string base = url_prefix + name + "." + short_hash(parts) + "/";
      for (auto& [relative, content] : files) {
        std::string url = base + relative;
        assets.url_by_logical_[name + "/" + relative] = url;
        assets.by_url_[url] = Asset{content, content_type_for(fs::path(relative).extension().string())};
      }
    }
  }
  return assets;
}

const Asset* StaticAssets::find(std::string_view url_path) const {
  auto it = by_url_.find(url_path);
  return it == by_url_.end() ? nullptr : &it->second;
}

Result<std::string> StaticAssets::url_for(std::string_view logical_path) const {
  auto it = url_by_logical_.find(logical_path);
  if (it == url_by_logical_.end()) {
    return make_error(Errc::missing_asset, "no static asset named " + std::string(logical_path));
  }
  return it->second;
}

Response StaticAssets::serve(const Request& request) const {
  const Asset* asset = find(request.path);
  if (asset == nullptr) {
    Response missing = Response::text("not found\n", 404);
    missing.headers.set("Cache-Control", "no-store");
    return missing;
  }
  Response response;
  response.headers.set("Content-Type", asset->content_type);
  response.headers.set("Cache-Control", "public, max-age=31536000, immutable");
  response.shared_body = asset->content;
  return response;
}

}  // namespace guichet::http
