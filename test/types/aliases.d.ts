// The older framework majors are installed side by side under npm aliases for the tests.
declare module "express4" {
  import express from "express";
  export default express;
}
