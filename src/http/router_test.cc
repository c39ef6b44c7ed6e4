// The router's dispatch: prefix routes ({name...}) and their rest of the path, and the per-route
// cache policy on successful answers only.
#include "http/router.h"

#include <gtest/gtest.h>

namespace dipr::http {
namespace {

Response Answer(const Router& router, Request& req) {
  asio::io_context io;
  auto f = asio::co_spawn(io, router.Dispatch(req), asio::use_future);
  io.run();
  return f.get();
}

Response Get(const Router& router, const std::string& path, Request* out = nullptr) {
  Request req;
  req.method = "GET";
  req.path = path;
  Response r = Answer(router, req);
  if (out) *out = req;
  return r;
}

// Answers with the route's params, "name=value;" each.
Handler Echo(int status = 200) {
  return [status](Request& req) -> asio::awaitable<Response> {
    std::string out;
    for (const auto& [k, v] : req.params) out += k + "=" + v + ";";
    co_return Response::Text(status, out);
  };
}

TEST(RouterTest, APrefixRouteTakesEverythingUnderItsPrefix) {
  Router router;
  router.Add("GET", "/tile/entries", Echo());  // exact routes first: they would be shadowed
  router.Add("GET", "/tile/{path...}", Echo());
  Request req;
  Response r = Get(router, "/tile/0/x001/234.p/5", &req);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "path=0/x001/234.p/5;");
  EXPECT_EQ(req.route, "/tile/{path...}");
  EXPECT_EQ(Get(router, "/tile/1").body, "path=1;");
  EXPECT_EQ(Get(router, "/tile/entries").body, "");  // the exact route, added first
  EXPECT_EQ(Get(router, "/tile").status, 404);       // the prefix alone is not under it
  EXPECT_EQ(Get(router, "/tile/").status, 404);
  EXPECT_EQ(Get(router, "/tiles/1").status, 404);
}

TEST(RouterTest, APrefixRouteHasNamedSegmentsBeforeItsRest) {
  Router router;
  router.Add("GET", "/v/{id}/files/{rest...}", Echo());
  EXPECT_EQ(Get(router, "/v/7/files/a/b").body, "id=7;rest=a/b;");
  EXPECT_EQ(Get(router, "/v/7/other/a").status, 404);
}

TEST(RouterTest, APrefixRouteAnswers405ForAnotherMethod) {
  Router router;
  router.Add("GET", "/tile/{path...}", Echo());
  router.Add("POST", "/x", Echo());
  Request req;
  req.method = "POST";
  req.path = "/tile/0/1";
  Response r = Answer(router, req);
  EXPECT_EQ(r.status, 405);
}

TEST(RouterTest, TheCachePolicyAppliesToSuccessesOnly) {
  Router router;
  router.Add("GET", "/kept/{path...}", Echo(), CachePolicy::Immutable());
  router.Add("GET", "/missing/{path...}", Echo(404), CachePolicy::Immutable());
  router.Add("GET", "/default", Echo());
  router.Add(
      "GET", "/own",
      [](Request&) -> asio::awaitable<Response> {
        Response r = Response::Text(200, "own");
        r.cache_control = "max-age=5";
        co_return r;
      },
      CachePolicy::Immutable());
  EXPECT_EQ(Get(router, "/kept/a").cache_control, "public, max-age=31536000, immutable");
  EXPECT_EQ(Get(router, "/missing/a").cache_control, "");  // the server writes no-store
  EXPECT_EQ(Get(router, "/default").cache_control, "no-store");
  EXPECT_EQ(Get(router, "/own").cache_control, "max-age=5");  // the answer's own wins
  EXPECT_EQ(Get(router, "/nowhere").cache_control, "");
}

}  // namespace
}  // namespace dipr::http
