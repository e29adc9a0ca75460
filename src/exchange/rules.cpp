#include "guichet/exchange/rules.hpp"

#include <lua5.4/lauxlib.h>
#include <lua5.4/lua.h>
#include <lua5.4/lualib.h>

#include <cstdlib>

#include <boost/json.hpp>

#include "guichet/exchange/errors.hpp"

namespace guichet::exchange {
namespace json = boost::json;

namespace {
struct Heap {
  std::size_t used = 0;
  std::size_t cap = 0;
};
}  // namespace

struct Rule::State {
  std::string expression;
  RuleLimits limits;
  Heap heap;
  lua_State* lua = nullptr;
  int chunk = LUA_NOREF;    // the compiled expression
  int helpers = LUA_NOREF;  // what the rule may call, behind every person's attributes
  ~State() {
    if (lua != nullptr) lua_close(lua);
  }
};

namespace {

// Lua's allocator with a cap: past it an allocation fails, and Lua raises a memory error.
void* capped_alloc(void* ud, void* ptr, std::size_t old_size, std::size_t new_size) {
  auto* heap = static_cast<Heap*>(ud);
  const std::size_t old_bytes = ptr != nullptr ? old_size : 0;
  if (new_size == 0) {
    std::free(ptr);
    heap->used -= old_bytes;
    return nullptr;
  }
  if (new_size > old_bytes && heap->used + (new_size - old_bytes) > heap->cap) return nullptr;
  void* grown = std::realloc(ptr, new_size);
  if (grown != nullptr) heap->used = heap->used - old_bytes + new_size;
  return grown;
}

void too_many_steps(lua_State* lua, lua_Debug* /*debug*/) {
  luaL_error(lua, "the rule ran past its instruction limit");
}

// has(list, value): whether a list attribute holds the value (false for nil).
int has(lua_State* lua) {
  if (lua_type(lua, 1) != LUA_TTABLE) {
    lua_pushboolean(lua, 0);
    return 1;
  }
  const lua_Integer n = luaL_len(lua, 1);
  for (lua_Integer i = 1; i <= n; ++i) {
    lua_geti(lua, 1, i);
    const bool same = lua_compare(lua, -1, 2, LUA_OPEQ) != 0;
    lua_pop(lua, 1);
    if (same) {
      lua_pushboolean(lua, 1);
      return 1;
    }
  }
  lua_pushboolean(lua, 0);
  return 1;
}

void push_json(lua_State* lua, const json::value& v) {
  switch (v.kind()) {
    case json::kind::bool_:
      lua_pushboolean(lua, v.get_bool() ? 1 : 0);
      break;
    case json::kind::int64:
      lua_pushinteger(lua, v.get_int64());
      break;
    case json::kind::uint64:
      lua_pushinteger(lua, static_cast<lua_Integer>(v.get_uint64()));
      break;
    case json::kind::double_:
      lua_pushnumber(lua, v.get_double());
      break;
    case json::kind::string:
      lua_pushlstring(lua, v.get_string().data(), v.get_string().size());
      break;
    case json::kind::array: {
      const json::array& a = v.get_array();
      lua_createtable(lua, static_cast<int>(a.size()), 0);
      for (std::size_t i = 0; i < a.size(); ++i) {
        push_json(lua, a[i]);
        lua_seti(lua, -2, static_cast<lua_Integer>(i) + 1);
      }
      break;
    }
    default:
      lua_pushnil(lua);
  }
}

// Builds the helpers' table, in protected mode (it allocates).
int build_helpers(lua_State* lua) {
  luaL_requiref(lua, LUA_GNAME, luaopen_base, 1);
  luaL_requiref(lua, LUA_MATHLIBNAME, luaopen_math, 1);
  luaL_requiref(lua, LUA_STRLIBNAME, luaopen_string, 1);
  lua_pop(lua, 3);
  lua_newtable(lua);  // the helpers
  for (const char* name : {"tonumber", "tostring", "type", "pairs", "ipairs"}) {
    lua_getglobal(lua, name);
    lua_setfield(lua, -2, name);
  }
  lua_getglobal(lua, "math");
  lua_setfield(lua, -2, "math");
  lua_getglobal(lua, "string");
  lua_setfield(lua, -2, "string");
  lua_pushcfunction(lua, has);
  lua_setfield(lua, -2, "has");
  // The metatable each person's environment gets: unknown names read from the helpers.
  lua_newtable(lua);
  lua_pushvalue(lua, -2);
  lua_setfield(lua, -2, "__index");
  return 2;  // helpers, metatable
}

}  // namespace

Rule::Rule(std::unique_ptr<State> state) : state_(std::move(state)) {}
Rule::Rule(Rule&&) noexcept = default;
Rule& Rule::operator=(Rule&&) noexcept = default;
Rule::~Rule() = default;

const std::string& Rule::expression() const { return state_->expression; }

Result<Rule> Rule::compile(std::string_view expression, RuleLimits limits) {
  if (expression.empty() || expression.size() > 4000) {
    return make_error(Errc::bad_rule, "a rule is one expression of 1 to 4000 characters");
  }
  auto state = std::make_unique<State>();
  state->expression = std::string(expression);
  state->limits = limits;
  state->heap.cap = limits.memory_bytes;
  state->lua = lua_newstate(capped_alloc, &state->heap);
  if (state->lua == nullptr) return make_error(Errc::bad_rule, "the rule's interpreter could not start");
  lua_State* lua = state->lua;
  lua_pushcfunction(lua, build_helpers);
  if (lua_pcall(lua, 0, 2, 0) != LUA_OK) {
    return make_error(Errc::bad_rule, "the rule's interpreter could not start: " + std::string(lua_tostring(lua, -1)));
  }
  // Stack: helpers, metatable. The metatable is kept in the registry; the helpers through it.
  state->helpers = luaL_ref(lua, LUA_REGISTRYINDEX);  // the metatable
  lua_pop(lua, 1);
  // The global table itself is emptied of everything a rule must not reach.
  lua_pushglobaltable(lua);
  lua_pushnil(lua);
  while (lua_next(lua, -2) != 0) {
    lua_pop(lua, 1);
    lua_pushvalue(lua, -1);
    lua_pushnil(lua);
    lua_rawset(lua, -4);
  }
  lua_pop(lua, 1);
  const std::string chunk = "return (" + state->expression + "\n)";
  if (luaL_loadbufferx(lua, chunk.data(), chunk.size(), "=rule", "t") != LUA_OK) {
    std::string message = lua_tostring(lua, -1);
    return make_error(Errc::bad_rule, "the rule does not read as an expression: " + message);
  }
  state->chunk = luaL_ref(lua, LUA_REGISTRYINDEX);
  return Rule(std::move(state));
}

namespace {

struct Evaluation {
  const json::object* attributes;
  int chunk;
  int metatable;
};

// Everything that allocates runs here, in protected mode: a memory error is the rule's failure.
int run_rule(lua_State* lua) {
  const auto* e = static_cast<const Evaluation*>(lua_touserdata(lua, 1));
  lua_rawgeti(lua, LUA_REGISTRYINDEX, e->chunk);
  // The person's environment: their attributes, and the helpers behind them.
  lua_createtable(lua, 0, static_cast<int>(e->attributes->size()));
  for (const auto& [name, value] : *e->attributes) {
    push_json(lua, value);
    lua_setfield(lua, -2, std::string(name).c_str());
  }
  lua_rawgeti(lua, LUA_REGISTRYINDEX, e->metatable);
  lua_setmetatable(lua, -2);
  if (lua_setupvalue(lua, -2, 1) == nullptr) return luaL_error(lua, "the rule has no environment");
  lua_call(lua, 0, 1);
  return 1;
}

}  // namespace

Result<bool> Rule::evaluate(const json::object& attributes) {
  lua_State* lua = state_->lua;
  lua_settop(lua, 0);
  Evaluation e{&attributes, state_->chunk, state_->helpers};
  lua_pushcfunction(lua, run_rule);
  lua_pushlightuserdata(lua, &e);
  lua_sethook(lua, too_many_steps, LUA_MASKCOUNT, state_->limits.instructions);
  const int status = lua_pcall(lua, 1, 1, 0);
  lua_sethook(lua, nullptr, 0, 0);
  if (status != LUA_OK) {
    std::string message = lua_type(lua, -1) == LUA_TSTRING ? lua_tostring(lua, -1) : "the rule failed";
    if (status == LUA_ERRMEM) message = "the rule ran past its memory cap";
    lua_settop(lua, 0);
    lua_gc(lua, LUA_GCCOLLECT);
    return make_error(Errc::rule_failed, message);
  }
  if (!lua_isboolean(lua, -1)) {
    std::string type = luaL_typename(lua, -1);
    lua_settop(lua, 0);
    return make_error(Errc::rule_failed, "the rule gives a " + type + ", not true or false");
  }
  const bool verdict = lua_toboolean(lua, -1) != 0;
  lua_settop(lua, 0);
  return verdict;
}

}  // namespace guichet::exchange
