#pragma once
// Static files, loaded into memory at start-up and served under content-hashed URLs with a
// one-year immutable cache. A top-level file `guichet.css` is served as
// /static/guichet.<hash>.css; a top-level directory `theme/` as /static/theme.<hash>/..., so that
// the relative URLs inside a design system's CSS (../img, ../fonts) keep working.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "guichet/core/result.hpp"
#include "guichet/http/request.hpp"

namespace guichet::http {

struct Asset {
  std::shared_ptr<const std::string> content;
  std::string content_type;
};

class StaticAssets {
 public:
  static Result<StaticAssets> load(const std::filesystem::path& directory, const std::string& url_prefix = "/static/");
  const Asset* find(std::string_view url_path) const;
  // The hashed URL of a file named by its path under the static directory ("theme/css/guichet.css").
  Result<std::string> url_for(std::string_view logical_path) const;
  std::size_t size() const { return by_url_.size(); }
  Response serve(const Request& request) const;

 private:
  std::map<std::string, Asset, std::less<>> by_url_;
  std::map<std::string, std::string, std::less<>> url_by_logical_;
};

std::string content_type_for(std::string_view extension);

}  // namespace guichet::http
