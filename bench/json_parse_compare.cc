// Strict parsing (common::ParseJson) against nlohmann::json::parse on a typical log entry, in one
// run. Build: g++ -O2 -std=c++20 -Isrc bench/json_parse_compare.cc build/src/common/libdipr_common.a
#include "common/json_parse.h"
#include <chrono>
#include <cstdio>
int main(){
  std::string e=R"({"actor":"u0123456789abcdef","payload":{"application":"a0123456789abcdef","content":"3f2a9c8e7d6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a09","fields":{"data_name":"客户数据 2026Q3","holders":[{"name":"浙江某数据有限公司","id":"91330100MA2XXXXX0X","share":100}],"industry":"I","scale":{"records":100000,"bytes":123456789}}},"time":"2026-12-02T01:02:03Z","type":"application.created","v":1})";
  for(int round=0;round<2;round++){
  auto t0=std::chrono::steady_clock::now(); size_t n=0;
  for(int i=0;i<200000;i++){ auto j=nlohmann::json::parse(e); n+=j.size(); }
  auto t1=std::chrono::steady_clock::now();
  for(int i=0;i<200000;i++){ auto j=dipr::ParseJson(e); n+=j->size(); }
  auto t2=std::chrono::steady_clock::now();
  printf("nlohmann::parse %.2f us  ParseJson %.2f us (%zu bytes) %zu\n", std::chrono::duration<double,std::micro>(t1-t0).count()/200000, std::chrono::duration<double,std::micro>(t2-t1).count()/200000, e.size(), n);}
}
