import { Module } from '@nestjs/common';
import { SharedFaults } from './shared-faults.js';
import { SimulatorAdminController } from './simulator-admin.controller.js';

@Module({ controllers: [SimulatorAdminController], providers: [SharedFaults] })
export class SimulatorAdminModule {}
