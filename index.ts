import { PolicyPack } from "@pulumi/policy";
import "./policies/lib/decode-once";
import { policies } from "./policies";

new PolicyPack("container-guard", { policies });
